import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { minMaxInPlace } from '../../src/cam/normalize.js';
import { HeadNotFoundError, UsageError } from '../../src/errors.js';
import { detectCamHead } from '../../src/head/detect.js';
import { tokensToGrid } from '../../src/head/tokens.js';
import { formatInspection, inspectModel } from '../../src/inspect.js';
import { CamModel, type Inference } from '../../src/model.js';
import { parseOnnxModel } from '../../src/onnx/read-model.js';
import { resampleScoreMap } from '../../src/resample.js';
import { scoreMap } from '../../src/scoremap.js';
import { tinyModel } from '../onnx/builder.js';
import { tinyVit, tinyVitForward, VIT } from './tiny-vit.js';

const vit = () => parseOnnxModel(tinyVit(), { path: 'tiny-vit.onnx' });

describe('token heads: detection', () => {
  it('finds the class-token head and the grid of the patch embedding', async () => {
    const head = await detectCamHead(vit());
    expect(head).toMatchObject({
      kind: 'tokens',
      featureTensor: 'tokens',
      featureShape: [null, VIT.channels, VIT.grid, VIT.grid],
      channels: VIT.channels,
      numClasses: VIT.classes,
      weights: null,
      scoreTensor: 'logits',
      path: ['Gather', 'Gemm'],
      tokens: { count: VIT.tokens, skip: 1, gridHeight: 3, gridWidth: 3, source: 'patch-embedding' },
    });
  });

  it('takes a named token tensor, grid and skip', async () => {
    const patches = await detectCamHead(vit(), { featureTensor: 'patches' });
    expect(patches.tokens).toMatchObject({ count: 9, skip: 0, gridHeight: 3, gridWidth: 3 });
    expect(patches.path[0]).toBe('(given)');
    const given = await detectCamHead(vit(), { tokenGrid: [3, 3], skipTokens: 1 });
    expect(given.tokens).toMatchObject({ count: 10, skip: 1, source: 'given' });
  });

  it('refuses a grid that the tokens do not make, and a non-token tensor, saying why', async () => {
    await expect(detectCamHead(vit(), { tokenGrid: [3, 4] })).rejects.toThrow(
      /a 3x4 grid needs 12 tokens; the tensor has 10/,
    );
    await expect(detectCamHead(vit(), { tokenGrid: [3, 3], skipTokens: 2 })).rejects.toThrow(
      /10 tokens do not make a 3x3 grid after skipping 2 \(11 needed\)/,
    );
    await expect(detectCamHead(vit(), { skipTokens: 3 })).rejects.toThrow(UsageError);
    await expect(detectCamHead(vit(), { featureTensor: 'patches.map' })).rejects.toThrow(
      /'patches.map' has shape \[N,6,3,3\]; token features \[N,T,C\] are needed/,
    );
    await expect(detectCamHead(vit(), { tokenGrid: [3, 3], classifierWeights: 'head.w' })).rejects.toThrow(
      /`classifierWeights`/,
    );
  });

  it('refuses token options on a model with a feature map', async () => {
    await expect(detectCamHead(parseOnnxModel(tinyModel('gemm')), { tokenGrid: [6, 6] })).rejects.toThrow(
      /token options \(tokenGrid \/ skipTokens\) given, but the model has no class-token head/,
    );
  });

  it('keeps the old message for CNN heads it cannot use', async () => {
    const error = await detectCamHead(parseOnnxModel(tinyModel('two-layer'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeadNotFoundError);
    expect((error as Error).message).toMatch(/^no CAM head found in the model: no linear path/);
  });

  it('inspect says how the tokens make the grid', async () => {
    const text = formatInspection(await inspectModel(vit()));
    expect(text).toMatch(/^head +tokens: Gather -> Gemm$/m);
    expect(text).toMatch(/^tokens +token features \[10,6\] -> grid 3x3, skip 1 \(the patch embedding\)$/m);
  });

  it('tokensToGrid drops the skipped tokens and puts channels first', () => {
    const layout = { count: 3, skip: 1, gridHeight: 1, gridWidth: 2, source: 'given' } as const;
    // tokens t0=(1,2) t1=(3,4) t2=(5,6) -> channel 0: [3,5], channel 1: [4,6]
    expect([...tokensToGrid(Float32Array.of(1, 2, 3, 4, 5, 6), layout, 2)]).toEqual([3, 5, 4, 6]);
    expect(() => tokensToGrid(new Float32Array(5), layout, 2)).toThrow(/expected 3x2/);
  });
});

describe('token heads: CAMs through CamModel against the slow twin', () => {
  let dir: string;
  let model: CamModel;
  let inference: Inference;
  let input: Float32Array;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cam-vit-'));
    const file = join(dir, 'tiny-vit.onnx');
    writeFileSync(file, tinyVit());
    model = await CamModel.load(file, {
      device: 'cpu',
      preprocess: { preset: 'imagenet', resize: { mode: 'exact', size: [12, 12] }, crop: null },
    });
    const pixels = Buffer.from(Array.from({ length: 12 * 12 * 3 }, (_, i) => (i * 37 + (i % 7) * 11) % 256));
    const png = await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } })
      .png()
      .toBuffer();
    inference = (await model.infer([await model.prepare(new Uint8Array(png), 'pattern.png')]))[0]!;
    input = inference.prepared.tensor;
  });
  afterAll(async () => {
    await model?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The twin's [C,h,w] grid: patch token p = row-major grid cell p, class token dropped. */
  const twinGrid = (tokens: Float64Array) => {
    const { channels: C, grid } = VIT;
    const out = new Float64Array(C * grid * grid);
    for (let p = 0; p < grid * grid; p++)
      for (let k = 0; k < C; k++) out[k * grid * grid + p] = tokens[(1 + p) * C + k]!;
    return out;
  };

  it('the features are the patch tokens as a grid, the scores the class-token logits', () => {
    const { tokens, logits } = tinyVitForward(input);
    const grid = twinGrid(tokens);
    expect(model.featureShape).toEqual([VIT.channels, VIT.grid, VIT.grid]);
    expect(inference.features.length).toBe(grid.length);
    for (let i = 0; i < grid.length; i++) expect(inference.features[i]).toBeCloseTo(grid[i]!, 4);
    for (let c = 0; c < VIT.classes; c++) expect(inference.scores[c]).toBeCloseTo(logits[c]!, 4);
  });

  it('Score-CAM weighs each patch-token channel by the softmax score of the masked input', async () => {
    const cls = 2;
    const { channels: C, grid, size } = VIT;
    const F = twinGrid(tinyVitForward(input).tokens);
    const expected = new Float64Array(grid * grid);
    for (let k = 0; k < C; k++) {
      const channel = Float32Array.from(F.subarray(k * grid * grid, (k + 1) * grid * grid));
      const mask = resampleScoreMap(scoreMap(grid, grid, channel), size, size, 'bilinear').data;
      minMaxInPlace(mask);
      const masked = Float32Array.from(input, (v, i) => v * mask[i % (size * size)]!);
      const { logits } = tinyVitForward(masked);
      const max = Math.max(...logits);
      const sum = logits.reduce((s, v) => s + Math.exp(v - max), 0);
      const weight = Math.exp(logits[cls]! - max) / sum;
      for (let p = 0; p < grid * grid; p++) expected[p] = expected[p]! + weight * F[k * grid * grid + p]!;
    }
    const map = await model.cam(inference, cls, { method: 'scorecam', normalization: 'none' });
    expect([map.width, map.height]).toEqual([3, 3]);
    for (let p = 0; p < expected.length; p++) expect(map.data[p]).toBeCloseTo(expected[p]!, 4);
  });

  it('Eigen-CAM projects the patch tokens on their first principal component', async () => {
    const { channels: C, grid } = VIT;
    const size = grid * grid;
    const F = twinGrid(tinyVitForward(input).tokens);
    const centred = new Float64Array(F.length);
    for (let k = 0; k < C; k++) {
      let mean = 0;
      for (let p = 0; p < size; p++) mean += F[k * size + p]! / size;
      for (let p = 0; p < size; p++) centred[k * size + p] = F[k * size + p]! - mean;
    }
    // Power iteration on the explicit C x C covariance (the method never forms it).
    const cov = new Float64Array(C * C);
    for (let a = 0; a < C; a++)
      for (let b = 0; b < C; b++)
        for (let p = 0; p < size; p++)
          cov[a * C + b] = cov[a * C + b]! + centred[a * size + p]! * centred[b * size + p]!;
    let v = new Float64Array(C).fill(1);
    for (let it = 0; it < 2000; it++) {
      const next = new Float64Array(C);
      for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) next[a] = next[a]! + cov[a * C + b]! * v[b]!;
      const norm = Math.hypot(...next);
      v = next.map((x) => x / norm);
    }
    const projection = Array.from({ length: size }, (_, p) => {
      let s = 0;
      for (let k = 0; k < C; k++) s += v[k]! * centred[k * size + p]!;
      return s;
    });
    const total = Array.from({ length: size }, (_, p) => {
      let s = 0;
      for (let k = 0; k < C; k++) s += F[k * size + p]!;
      return s;
    });
    const sign = projection.reduce((s, x, p) => s + x * total[p]!, 0) < 0 ? -1 : 1;
    const map = await model.cam(inference, 0, { method: 'eigencam', normalization: 'none' });
    for (let p = 0; p < size; p++) expect(map.data[p]).toBeCloseTo(sign * projection[p]!, 3);
  });

  it('refuses the GAP-only methods, naming the model and the reason', async () => {
    const gapOnly = ['cam', 'gradcam', 'gradcampp', 'xgradcam', 'layercam', 'hirescam'] as const;
    for (const method of gapOnly) {
      const error = await model.cam(inference, 0, { method }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).file).toMatch(/tiny-vit\.onnx$/);
      expect((error as Error).message).toMatch(
        new RegExp(`'${method}' does not apply to this model: its classifier reads the class token`),
      );
    }
  });
});

describeWithTestBed('token heads: the torchvision ViT of the test bed', () => {
  it('inspects vit_tiny.onnx as 196 patch tokens on a 14x14 grid after the class token', async () => {
    const x = await inspectModel(shared('models', 'untrained', 'vit_tiny.onnx'));
    expect(x).toMatchObject({
      headKind: 'tokens',
      featureTensor: '/encoder/ln/Add_1_output_0',
      featureShape: [null, 192, 14, 14],
      numClasses: 1000,
      tokens: { count: 197, skip: 1, gridHeight: 14, gridWidth: 14, source: 'patch-embedding' },
    });
    expect(formatInspection(x)).toMatch(/token features \[197,192\] -> grid 14x14, skip 1/);
  });
});
