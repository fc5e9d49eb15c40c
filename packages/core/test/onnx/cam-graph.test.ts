import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DEVICE_CAM_METHODS, deviceCamSupport } from '../../src/cam/device-cam-methods.js';
import { normalizeInPlace } from '../../src/cam/normalize.js';
import { createCamMethod } from '../../src/cam/registry.js';
import { rankClasses } from '../../src/cam/targets.js';
import type { Normalization } from '../../src/cam/types.js';
import { detectCamHead } from '../../src/head/detect.js';
import { addGraphOutputs } from '../../src/onnx/add-outputs.js';
import { appendCamGraph, type CamGraphOptions, camTargetsTensor } from '../../src/onnx/cam-graph.js';
import { parseOnnxModel } from '../../src/onnx/read-model.js';
import { type ResampleMethod, resampleScoreMap } from '../../src/resample.js';
import { type HeadPattern, randomFloats, S, tinyModel } from './builder.js';
import { maxMapError, runCamGraph } from './cam-graph-support.js';

const NORMALIZATIONS: readonly Normalization[] = ['relu-minmax', 'minmax', 'none'];

/** Scores and features of the plain model (features as an added output), for the JS path. */
async function reference(bytes: Uint8Array, input: Float32Array, n: number) {
  const m = parseOnnxModel(bytes);
  const head = await detectCamHead(m);
  const session = await ort.InferenceSession.create(addGraphOutputs(m, [head.featureTensor]));
  try {
    const out = await session.run({ input: new ort.Tensor('float32', input, [n, 3, S, S]) });
    return {
      head,
      model: m,
      scores: out[head.scoreTensor]!.data as Float32Array,
      features: out[head.featureTensor]!.data as Float32Array,
    };
  } finally {
    await session.release();
  }
}

type Reference = Awaited<ReturnType<typeof reference>>;

/** The JS path: CamMethod.compute on the grid, then resampleScoreMap and min-max as asked. */
async function jsMap(
  ref: Reference,
  image: number,
  cls: number,
  options: CamGraphOptions,
): Promise<Float32Array> {
  const { head } = ref;
  const k = head.kind === 'class-map' ? head.numClasses : head.channels;
  const per = k * S * S;
  const classes = ref.scores.length / (ref.features.length / per);
  const map = await createCamMethod(options.method).compute(
    {
      features: ref.features.subarray(image * per, (image + 1) * per),
      channels: k,
      height: S,
      width: S,
      head,
      scores: ref.scores.subarray(image * classes, (image + 1) * classes),
    },
    cls,
    options.normalization ?? 'relu-minmax',
  );
  if (options.resize === undefined) return map.data;
  const resized = resampleScoreMap(map, options.resize.width, options.resize.height, options.resize.mode);
  return normalizeInPlace(resized.data, options.resizedNormalization ?? 'none');
}

describe('appendCamGraph on tiny models', () => {
  const n = 3;
  const input = randomFloats(n * 3 * S * S, 21);
  const cases: { pattern: HeadPattern; opset?: number }[] = [
    { pattern: 'gemm' },
    { pattern: 'gemm-alpha-beta' },
    { pattern: 'matmul-add' },
    { pattern: 'reducemean-opset18' },
    { pattern: 'class-map' },
    { pattern: 'class-map-softmax' },
    { pattern: 'gemm', opset: 7 },
    { pattern: 'gemm', opset: 10 },
    { pattern: 'class-map', opset: 8 },
  ];
  for (const { pattern, opset } of cases) {
    it(`${pattern}${opset === undefined ? '' : ` at opset ${opset}`}: every method and normalisation equals the JS path`, async () => {
      const bytes = tinyModel(pattern, opset === undefined ? {} : { opset });
      const ref = await reference(bytes, input, n);
      const ranked = Array.from({ length: n }, (_, i) => rankClasses(ref.scores.subarray(i * 5, i * 5 + 5)));
      // predicted, second-ranked, and fixed classes 4 and 0
      const targets = Array.from({ length: n }, () => [-1, -2, 4, 0]);
      const resolved = targets.map((row, i) => row.map((t) => (t < 0 ? ranked[i]![-1 - t]! : t)));
      for (const method of DEVICE_CAM_METHODS) {
        for (const normalization of NORMALIZATIONS) {
          for (const resize of [undefined, { width: 11, height: 9, mode: 'bicubic' as ResampleMethod }]) {
            const options: CamGraphOptions = {
              method,
              normalization,
              ...(resize ? { resize } : {}),
              maxRank: 2,
            };
            const graph = appendCamGraph(ref.model, ref.head, options);
            const out = await runCamGraph(
              graph,
              { input: new ort.Tensor('float32', input, [n, 3, S, S]) },
              targets,
              ref.head.numClasses,
            );
            expect(Array.from(out.classes, Number)).toEqual(resolved.flat());
            const [w, h] = resize === undefined ? [S, S] : [resize.width, resize.height];
            expect(out.dims).toEqual([n, 4, h, w]);
            for (let i = 0; i < n; i++) {
              for (let t = 0; t < 4; t++) {
                const expected = await jsMap(ref, i, resolved[i]![t]!, options);
                const actual = out.maps.subarray((i * 4 + t) * w * h, (i * 4 + t + 1) * w * h);
                expect(
                  maxMapError(actual, expected),
                  `${method} ${normalization} image ${i} target ${t}`,
                ).toBeLessThan(1e-5);
              }
            }
          }
        }
      }
    });
  }

  it('keeps every original byte and leaves the scores as they were', async () => {
    const m = parseOnnxModel(tinyModel('gemm'));
    const head = await detectCamHead(m);
    const graph = appendCamGraph(m, head, { method: 'cam' });
    expect(Buffer.from(graph.bytes.subarray(0, m.bytes.length)).equals(Buffer.from(m.bytes))).toBe(true);
    const again = parseOnnxModel(graph.bytes);
    expect(again.graph.outputs.map((o) => o.name)).toEqual(['logits', 'cam', 'cam_classes']);
    expect(again.graph.outputs.some((o) => o.name === head.featureTensor)).toBe(false);
    const feeds = { input: new ort.Tensor('float32', input, [n, 3, S, S]) };
    const plain = await ort.InferenceSession.create(m.bytes);
    const out = await runCamGraph(graph, feeds, [[-1], [-1], [-1]], head.numClasses);
    const scores = (await plain.run(feeds)).logits!.data as Float32Array;
    await plain.release();
    expect(Buffer.from(out.scores.buffer).equals(Buffer.from(scores.buffer))).toBe(true);
  });

  it('ranks as rankClasses does, ties to the lower class index', async () => {
    // Class maps that are all zero after the ReLU give equal scores of 0: a blank first image.
    const mixed = input.slice();
    mixed.fill(0, 0, 3 * S * S);
    const ref = await reference(tinyModel('class-map'), mixed, n);
    const scores = Array.from({ length: n }, (_, i) => ref.scores.subarray(i * 5, i * 5 + 5));
    expect(scores.some((row) => new Set(row).size < row.length)).toBe(true);
    const graph = appendCamGraph(ref.model, ref.head, { method: 'cam', maxRank: 5 });
    const targets = Array.from({ length: n }, () => [-1, -2, -3, -4, -5]);
    const out = await runCamGraph(
      graph,
      { input: new ort.Tensor('float32', mixed, [n, 3, S, S]) },
      targets,
      5,
    );
    expect(Array.from(out.classes, Number)).toEqual(scores.flatMap((row) => Array.from(rankClasses(row))));
  });

  it('a constant map becomes all zeros under min-max, as normalize.ts', async () => {
    // Class-map head: a class whose maps are all zero (ReLU) is constant.
    const m = parseOnnxModel(tinyModel('class-map'));
    const ref = await reference(m.bytes, input, n);
    const head = ref.head;
    const graph = appendCamGraph(m, head, { method: 'cam', normalization: 'minmax' });
    const per = head.numClasses * S * S;
    let found = false;
    for (let i = 0; i < n && !found; i++) {
      for (let c = 0; c < head.numClasses && !found; c++) {
        const channel = ref.features.subarray(i * per + c * S * S, i * per + (c + 1) * S * S);
        if (channel.some((v) => v !== channel[0])) continue;
        found = true;
        const targets = Array.from({ length: n }, () => [c]);
        const out = await runCamGraph(
          graph,
          { input: new ort.Tensor('float32', input, [n, 3, S, S]) },
          targets,
          head.numClasses,
        );
        expect(Array.from(out.maps.subarray(i * S * S, (i + 1) * S * S))).toEqual(new Array(S * S).fill(0));
      }
    }
    expect(found).toBe(true);
  });

  it('a map holding Infinity or NaN becomes all zeros under min-max, as normalize.ts', async () => {
    const huge = input.map((v) => v * 3e38); // the convolution overflows to +-Infinity
    const ref = await reference(tinyModel('gemm'), huge, n);
    expect(ref.features.some((v) => !Number.isFinite(v))).toBe(true);
    const targets = Array.from({ length: n }, () => [0, 1, 2, 3, 4]);
    for (const normalization of ['relu-minmax', 'minmax'] as const) {
      const graph = appendCamGraph(ref.model, ref.head, { method: 'cam', normalization });
      const out = await runCamGraph(
        graph,
        { input: new ort.Tensor('float32', huge, [n, 3, S, S]) },
        targets,
        5,
      );
      let zeroed = 0;
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 5; c++) {
          const expected = await jsMap(ref, i, c, { method: 'cam', normalization });
          const at = (i * 5 + c) * S * S;
          expect(
            Array.from(out.maps.subarray(at, at + S * S)),
            `${normalization} image ${i} class ${c}`,
          ).toEqual(Array.from(expected));
          if (expected.every((v) => v === 0)) zeroed++;
        }
      }
      expect(zeroed).toBeGreaterThan(0);
    }
  });

  it('refuses what it cannot compute in the graph, with the reason', async () => {
    const m = parseOnnxModel(tinyModel('gemm'));
    const head = await detectCamHead(m);
    expect(deviceCamSupport('scorecam', head, 13)).toMatchObject({ ok: false });
    expect(deviceCamSupport('cam', head, 6)).toMatchObject({ ok: false, reason: /opset 6/ });
    expect(deviceCamSupport('cam', { ...head, featureShape: [null, 4, null, null] }, 13)).toMatchObject({
      ok: false,
    });
    expect(() => appendCamGraph(m, head, { method: 'eigencam' as never })).toThrow(
      /eigencam has no on-device form/,
    );
    expect(() => appendCamGraph(m, head, { method: 'cam', maxRank: 6 })).toThrow(/maxRank 6/);
    expect(() => appendCamGraph(m, head, { method: 'cam', resizedNormalization: 'minmax' })).toThrow(
      /needs a resize/,
    );
    const taken = parseOnnxModel(appendCamGraph(m, head, { method: 'cam' }).bytes);
    expect(() => appendCamGraph(taken, head, { method: 'cam' })).toThrow(/already/);
    expect(() => camTargetsTensor([[5]], 5, 1)).toThrow(/cam target 5/);
    expect(() => camTargetsTensor([[-2]], 5, 1)).toThrow(/-1..-1/);
    expect(() => camTargetsTensor([[1], [1, 2]], 5, 1)).toThrow(/image 1 has 2 targets/);
    expect(Array.from(camTargetsTensor([[-1, 3]], 5, 1))).toEqual([-1n, 3n]);
  });
});
