/**
 * Ablation-CAM by forward passes (real onnxruntime sessions on tiny models built in code): on a
 * tiny ViT it equals the paper's definition computed by the slow twin (channel k zeroed by hand in
 * every token, the rest of the model run, w_k = (y_c - y_c^k) / y_c); on GAP-linear and class-map
 * heads it equals the closed form.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { AblationSession, type AblationWay } from '../../src/ablation-session.js';
import { type AblatedScores, AblationCam, type CamContext, HeadCam } from '../../src/cam/index.js';
import { camMethodNeeds } from '../../src/cam/registry.js';
import type { HeadOverrides } from '../../src/head/detect.js';
import { TOKEN_FEATURE_METHODS } from '../../src/head/tokens.js';
import { CamModel } from '../../src/model.js';
import { type TwinAblation, tinyVit, tinyVitForward, VIT } from '../head/tiny-vit.js';
import { type HeadPattern, randomFloats, S, tinyModel } from '../onnx/builder.js';
import { maxDifference } from './context.js';

const dir = mkdtempSync(join(tmpdir(), 'cam-ablation-'));
const models: CamModel[] = [];
afterAll(async () => {
  await Promise.all(models.map((m) => m.release()));
  rmSync(dir, { recursive: true, force: true });
});

/** A CamModel on `bytes` (written to a file), and its inference of a fixed pseudo-random input. */
async function load(name: string, bytes: Uint8Array, size: number, head?: HeadOverrides) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const model = await CamModel.load(file, {
    device: 'cpu',
    preprocess: { preset: 'imagenet', resize: { mode: 'exact', size: [size, size] }, crop: null },
    ...(head === undefined ? {} : { head }),
  });
  models.push(model);
  const input = randomFloats(3 * size * size, 41);
  const prepared = { ...(await blankPrepared(model)), tensor: input };
  const [inference] = await model.infer([prepared]);
  return { model, inference: inference!, input };
}

/**
 * The same model and inference for every case that loads these bytes with the default head: a
 * case reads them (its own AblationSession, AblationCam or HeadCam) and changes neither, so one
 * load serves them all (each load starts a session thread and a preparing pool).
 */
const loadedOnce = new Map<string, ReturnType<typeof load>>();
function loadOnce(name: string, bytes: () => Uint8Array, size: number) {
  if (!loadedOnce.has(name)) loadedOnce.set(name, load(name, bytes(), size));
  return loadedOnce.get(name)!;
}

/** A prepared image to take the shape of (its tensor is replaced). */
async function blankPrepared(model: CamModel) {
  const size = model.inputWidth;
  const png = await sharp(Buffer.alloc(size * size * 3, 90), {
    raw: { width: size, height: size, channels: 3 },
  })
    .png()
    .toBuffer();
  return model.prepare(new Uint8Array(png), 'grey.png');
}

/** The twin's [C,h,w] grid of a token tensor: patch token p = grid cell p, class token dropped. */
function twinGrid(tokens: Float64Array): Float64Array {
  const { channels: C, grid } = VIT;
  const out = new Float64Array(C * grid * grid);
  for (let p = 0; p < grid * grid; p++)
    for (let k = 0; k < C; k++) out[k * grid * grid + p] = tokens[(1 + p) * C + k]!;
  return out;
}

/** The paper's Ablation-CAM (before normalisation) on the twin, ablating `tensor`'s channels `only` (all by default). */
function twinAblationCam(
  input: Float32Array,
  tensor: TwinAblation['tensor'],
  cls: number,
  only?: readonly number[],
) {
  const { channels: C, grid } = VIT;
  const plain = tinyVitForward(input);
  const F = twinGrid(plain[tensor]);
  const y = plain.logits[cls]!;
  const map = new Float64Array(grid * grid);
  for (const k of only ?? Array.from({ length: C }, (_, k) => k)) {
    const weight = (y - tinyVitForward(input, { tensor, channel: k }).logits[cls]!) / y;
    for (let p = 0; p < grid * grid; p++) map[p] = map[p]! + weight * F[k * grid * grid + p]!;
  }
  return map;
}

/**
 * Within 1e-4 of the largest value of `expected` (float32 logits against the twin's float64: the
 * division by y_c amplifies their rounding where a logit is small, e.g. 0.045).
 */
function expectNear(actual: Float32Array, expected: Float64Array): void {
  const scale = Math.max(1, ...expected.map(Math.abs));
  expect(maxDifference(actual, expected)).toBeLessThan(1e-4 * scale);
}

describe('Ablation-CAM on token features, by forward passes', () => {
  // 'tokens' feeds only the class-token Gather, 'sequence' also the block and its residual: each
  // separates the image from the logits, so the passes run the tail. The residual goes around
  // 'block.act': the whole model runs, masked.
  const ways = { tokens: 'tail', sequence: 'tail', 'block.act': 'masked-model' } as const;
  for (const [tensor, way] of Object.entries(ways) as [TwinAblation['tensor'], AblationWay][]) {
    it(`equals the paper's definition on the twin (feature tensor '${tensor}', the ${way})`, async () => {
      const head = tensor === 'tokens' ? undefined : { featureTensor: tensor };
      const { model, inference, input } = await (head === undefined
        ? loadOnce('vit.onnx', tinyVit, VIT.size)
        : load(`vit-${tensor}.onnx`, tinyVit(), VIT.size, head));
      expect(model.head.kind).toBe('tokens');
      const session = new AblationSession(model.onnx, model.head, [VIT.size, VIT.size], model.session);
      expect(await session.way()).toBe(way);
      await session.release();
      for (const cls of [0, 3]) {
        const map = await model.cam(inference, cls, { method: 'ablationcam', normalization: 'none' });
        expect([map.width, map.height]).toEqual([VIT.grid, VIT.grid]);
        const expected = twinAblationCam(input, tensor, cls);
        expectNear(map.data, expected);
        expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.01); // not a trivial map
      }
    });
  }

  it('uses the logits, not the probabilities, of a model that ends in a Softmax', async () => {
    const { model, inference, input } = await load('vit-softmax.onnx', tinyVit({ softmax: true }), VIT.size);
    expect(model.head.softmax).toBe(true);
    const map = await model.cam(inference, 1, { method: 'ablationcam', normalization: 'none' });
    expectNear(map.data, twinAblationCam(input, 'tokens', 1));
  });

  it('batches the passes (one unablated, one per channel), reuses them for other classes, and ablates only the strongest maxChannels', async () => {
    const { model, inference, input } = await loadOnce('vit.onnx', tinyVit, VIT.size);
    const session = new AblationSession(model.onnx, model.head, [VIT.size, VIT.size], model.session);
    const calls: number[] = [];
    const ablate: AblatedScores = (x, masks, count) => {
      calls.push(count);
      return session.scores(x, masks, count);
    };
    const context: CamContext = {
      features: inference.features,
      channels: VIT.channels,
      width: VIT.grid,
      height: VIT.grid,
      head: model.head,
      scores: inference.scores,
      input,
      ablate,
    };
    try {
      const method = new AblationCam({ batchSize: 3 });
      const all = await method.compute(context, 2, 'none');
      expect(calls).toEqual([3, 3, 1]); // 1 + 6 passes
      expectNear(all.data, twinAblationCam(input, 'tokens', 2));
      // Another class of the same image reuses the passes (they hold every class's logit).
      const other = await method.compute(context, 4, 'none');
      expect(calls).toEqual([3, 3, 1]);
      expectNear(other.data, twinAblationCam(input, 'tokens', 4));
      // The same buffer refilled with another image is measured again.
      const buffer = input.slice();
      const refilled = { ...context, input: buffer };
      await method.compute(refilled, 4, 'none');
      expect(calls).toEqual([3, 3, 1]);
      buffer.set(randomFloats(buffer.length, 42));
      await method.compute(refilled, 4, 'none');
      expect(calls).toEqual([3, 3, 1, 3, 3, 1]);
      calls.length = 0;
      const capped = await new AblationCam({ maxChannels: 2 }).compute(context, 2, 'none');
      expect(calls).toEqual([3]);
      const sums = Array.from({ length: VIT.channels }, (_, k) =>
        inference.features.subarray(k * 9, (k + 1) * 9).reduce((s, v) => s + v, 0),
      );
      const strongest = sums
        .map((sum, k) => [sum, k] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, 2)
        .map(([, k]) => k);
      expectNear(capped.data, twinAblationCam(input, 'tokens', 2, strongest));
    } finally {
      await session.release();
    }
  });

  it('is a token-feature method that needs forward passes there, and refuses a head without a session', async () => {
    expect(TOKEN_FEATURE_METHODS).toContain('ablationcam');
    expect(camMethodNeeds('ablationcam', 'forward-passes', 'tokens')).toBe(true);
    expect(camMethodNeeds('ablationcam', 'forward-passes', 'gap-linear')).toBe(false);
    const { model, inference } = await loadOnce('vit.onnx', tinyVit, VIT.size);
    const headOnly = new HeadCam(model.head, VIT.size, VIT.size);
    await expect(headOnly.cam(inference, 0, { method: 'ablationcam' })).rejects.toThrow(
      /'ablationcam' needs forward passes/,
    );
    const context = {
      features: inference.features,
      channels: VIT.channels,
      width: VIT.grid,
      height: VIT.grid,
      head: model.head,
      scores: inference.scores,
    };
    await expect(new AblationCam().compute(context, 0)).rejects.toThrow(
      /needs the input tensor and an ablation session/,
    );
  });
});

describe('Ablation-CAM by forward passes equals its closed form on a GAP head', () => {
  for (const pattern of ['gemm', 'matmul-add', 'class-map'] as HeadPattern[]) {
    it(`${pattern}: the measured score drops give the closed form's map`, async () => {
      const { model, inference } = await loadOnce(`${pattern}.onnx`, () => tinyModel(pattern), S);
      expect(model.head.kind).toBe(pattern === 'class-map' ? 'class-map' : 'gap-linear');
      let largest = 0;
      for (let cls = 0; cls < model.head.numClasses; cls++) {
        const closed = await model.cam(inference, cls, { method: 'ablationcam', normalization: 'none' });
        const method = new AblationCam({ form: 'forward-passes' });
        const measured = await model.cam(inference, cls, { method, normalization: 'none' });
        expect(maxDifference(measured.data, closed.data)).toBeLessThan(1e-5);
        largest = Math.max(largest, ...closed.data.map(Math.abs));
      }
      expect(largest).toBeGreaterThan(1e-3); // not all trivial maps
    });
  }

  it('a model fixed at batch 1: the ablation session splits the passes into runs of 1', async () => {
    const { model, inference } = await load('gemm-batch1.onnx', tinyModel('gemm', { batch: 1 }), S);
    expect(model.fixedBatch).toBe(1);
    const closed = await model.cam(inference, 2, { method: 'ablationcam', normalization: 'none' });
    const method = new AblationCam({ form: 'forward-passes', batchSize: 3 });
    const measured = await model.cam(inference, 2, { method, normalization: 'none' });
    expect(maxDifference(measured.data, closed.data)).toBeLessThan(1e-5);
  });

  it('a GAP head without a session still gets the closed form (the pipeline workers)', async () => {
    const { model, inference } = await loadOnce('gemm.onnx', () => tinyModel('gemm'), S);
    const headOnly = new HeadCam(model.head, S, S);
    const map = await headOnly.cam(inference, 1, { method: 'ablationcam', normalization: 'none' });
    const viaModel = await model.cam(inference, 1, { method: 'ablationcam', normalization: 'none' });
    expect(Array.from(map.data)).toEqual(Array.from(viaModel.data));
  });
});
