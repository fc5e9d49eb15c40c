/**
 * CamModel with its backward graph, on tiny models built here: the backprop forms equal the
 * closed forms where a GAP-linear head makes both exist; a two-layer head (no closed form) gets
 * real gradients; an op without a rule on the path is a GradientError naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAM_METHOD_NAMES, CAM_METHODS } from '../../src/cam/registry.js';
import { GradientError, HeadNotFoundError } from '../../src/errors.js';
import type { LayerRequest } from '../../src/grad/layer.js';
import { CamModel, type Inference, type PreparedImage } from '../../src/model.js';
import { maxDifference } from '../cam/context.js';
import { buildModel, C, K, randomFloats, S, tinyModel } from '../onnx/builder.js';

const dir = mkdtempSync(join(tmpdir(), 'cam-backprop-'));
const models: CamModel[] = [];
afterAll(async () => {
  await Promise.all(models.map((m) => m.release()));
  rmSync(dir, { recursive: true, force: true });
});

async function load(name: string, bytes: Uint8Array, backprop?: LayerRequest) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const model = await CamModel.load(file, {
    device: 'cpu',
    preprocess: { preset: 'imagenet', resize: { mode: 'exact', size: [S, S] }, crop: null },
    ...(backprop === undefined ? {} : { backprop }),
  });
  models.push(model);
  return model;
}

function prepared(seed: number): PreparedImage {
  return {
    file: `noise ${seed}`,
    tensor: randomFloats(3 * S * S, seed),
    geometry: {
      originalWidth: S,
      originalHeight: S,
      resizeWidth: S,
      resizeHeight: S,
      cropX: 0,
      cropY: 0,
      inputWidth: S,
      inputHeight: S,
    },
  };
}

const BACKPROP_METHODS = CAM_METHOD_NAMES.filter((m) => CAM_METHODS[m].backprop === true);

describe('backprop forms against closed forms (GAP-linear head)', () => {
  it('lists the gradient methods', () => {
    expect(BACKPROP_METHODS).toEqual([
      'gradcam',
      'gradcampp',
      'xgradcam',
      'layercam',
      'hirescam',
      'gradcam-elementwise',
    ]);
  });

  // One closed-form and one backprop model and their inferences of one batch, read by every
  // method's case: cam() leaves an inference as it is (a class outside the batch's targets gets a
  // pass of its own each time), so sharing them spares 10 loads and backward graphs, not a check.
  let pair: { closed: CamModel; backprop: CamModel } | undefined;
  let inferred: { a: Inference[]; b: Inference[] } | undefined;
  beforeAll(async () => {
    pair = {
      closed: await load('closed.onnx', tinyModel('gemm')),
      backprop: await load('backprop.onnx', tinyModel('gemm'), { always: true }),
    };
    const images = [prepared(1), prepared(2)];
    inferred = { a: await pair.closed.infer(images), b: await pair.backprop.infer(images, 5, [[0], [3]]) };
  });

  for (const method of BACKPROP_METHODS) {
    it(`${method}: the map from real gradients equals the closed form to 1e-5`, async () => {
      const { closed, backprop } = pair!;
      expect([closed.hasBackprop, backprop.hasBackprop]).toEqual([false, true]);
      const { a, b } = inferred!;
      for (const [i, classIndex] of [
        [0, 0],
        [1, 3],
        [1, 4], // not in the batch's targets: one more pass
      ] as const) {
        const expected = await closed.cam(a[i]!, classIndex, { method, normalization: 'none' });
        const actual = await backprop.cam(b[i]!, classIndex, { method, normalization: 'none' });
        const scale = Math.max(...Array.from(expected.data, Math.abs));
        expect(scale).toBeGreaterThan(0);
        expect(maxDifference(actual.data, expected.data)).toBeLessThanOrEqual(1e-5 * scale);
      }
    });
  }
});

describe('gradients where no closed form exists', () => {
  it('a two-layer head: refused without a layer, real gradients with one', async () => {
    await expect(load('two-layer-plain.onnx', tinyModel('two-layer'))).rejects.toBeInstanceOf(
      HeadNotFoundError,
    );
    const model = await load('two-layer.onnx', tinyModel('two-layer'), { layers: ['features'] });
    expect(model.head.kind).toBe('layer');
    expect(model.featureShape).toEqual([K, S, S]);
    const [inference] = await model.infer([prepared(3)]);
    const top = inference!.ranked[0]!;
    const gradients = inference!.classGradients!.find((g) => g.classIndex === top)!.values;
    // Grad-CAM from its definition over the returned gradients and features.
    const size = S * S;
    const expected = new Float32Array(size);
    for (let k = 0; k < K; k++) {
      let mean = 0;
      for (let p = 0; p < size; p++) mean += gradients[k * size + p]! / size;
      for (let p = 0; p < size; p++) expected[p] = expected[p]! + mean * inference!.features[k * size + p]!;
    }
    const map = await model.cam(inference!, top, { method: 'gradcam', normalization: 'none' });
    expect(maxDifference(map.data, expected)).toBeLessThan(1e-6);
    await expect(model.cam(inference!, top, { method: 'cam' })).rejects.toThrow(/does not apply/);
  });

  it("--cam-on-device: each gradient method's map computed in the graph equals the JS path", async () => {
    const js = await load('two-layer-js.onnx', tinyModel('two-layer'), { layers: ['features'] });
    const images = [prepared(5), prepared(6)];
    const reference = await js.infer(images, 5, [[-1], [2]]);
    for (const method of BACKPROP_METHODS) {
      for (const normalization of ['relu-minmax', 'none'] as const) {
        const file = join(dir, `two-layer-${method}-${normalization}.onnx`);
        writeFileSync(file, tinyModel('two-layer'));
        const device = await CamModel.load(file, {
          device: 'cpu',
          preprocess: { preset: 'imagenet', resize: { mode: 'exact', size: [S, S] }, crop: null },
          backprop: { layers: ['features'] },
          deviceCam: { mode: 'on', method, normalization, targets: 2, maxRank: 5 },
        });
        models.push(device);
        const inferences = await device.infer(images, 5, [
          [-1, 3],
          [2, 0],
        ]);
        for (const [i, classIndex] of [
          [0, reference[0]!.ranked[0]!],
          [0, 3],
          [1, 2],
          [1, 0],
        ] as const) {
          expect(inferences[i]!.features.length).toBe(0); // nothing but the maps left the graph
          const expected = await js.cam(reference[i]!, classIndex, { method, normalization });
          const actual = await device.cam(inferences[i]!, classIndex, { method, normalization });
          const scale = Math.max(1e-12, ...Array.from(expected.data, Math.abs));
          expect(maxDifference(actual.data, expected.data), `${method} ${normalization}`).toBeLessThanOrEqual(
            1e-5 * scale,
          );
        }
        // Its thread and graph are not needed again: twelve of them alive at once cost memory only.
        await device.release();
      }
    }
  });

  it("Layer-CAM's fusion of two layers: the mean of each layer's min-maxed map, min-maxed", async () => {
    const fused = await load('fused.onnx', tinyModel('two-layer'), { layers: ['conv', 'features'] });
    const [inference] = await fused.infer([prepared(7)]);
    const top = inference!.ranked[0]!;
    const map = await fused.cam(inference!, top, { method: 'layercam' });
    const single = async (layer: string) => {
      const model = await load(`single-${layer}.onnx`, tinyModel('two-layer'), { layers: [layer] });
      const [one] = await model.infer([prepared(7)]);
      return (await model.cam(one!, top, { method: 'layercam', normalization: 'relu-minmax' })).data;
    };
    const [a, b] = [await single('conv'), await single('features')];
    const mean = a.map((v, p) => (v + b[p]!) / 2);
    const lo = Math.min(...mean);
    const hi = Math.max(...mean);
    expect(hi).toBeGreaterThan(lo);
    expect(
      maxDifference(
        map.data,
        mean.map((v) => (v - lo) / (hi - lo)),
      ),
    ).toBeLessThan(1e-6);
    // Another class than the batch's: one more pass, all layers.
    const other = (top + 1) % C;
    const again = await fused.cam(inference!, other, { method: 'layercam' });
    expect(again.data.length).toBe(S * S);
  });

  it('an op without a rule on the path is a GradientError naming the node, its op and the layer', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'input', shape: ['N', 3, S, S] }],
      outputs: [{ name: 'logits', shape: ['N', C] }],
      nodes: [
        {
          op: 'Conv',
          inputs: ['input', 'w'],
          outputs: ['features'],
          attrs: { pads: { ints: [1, 1, 1, 1] } },
        },
        { op: 'Cos', inputs: ['features'], outputs: ['wavy'], name: 'the_cosine' },
        { op: 'GlobalAveragePool', inputs: ['wavy'], outputs: ['pooled'] },
        { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'] },
        { op: 'Gemm', inputs: ['flat', 'fc'], outputs: ['logits'], attrs: { transB: { i: 1 } } },
      ],
      initializers: [
        { name: 'w', dims: [K, 3, 3, 3], data: randomFloats(K * 27, 2) },
        { name: 'fc', dims: [C, K], data: randomFloats(C * K, 3) },
      ],
    });
    const error = await load('cosine.onnx', bytes, { layers: ['features'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradientError);
    expect((error as GradientError).message).toMatch(/Cos 'the_cosine'.*'features'.*no differentiation rule/);
  });
});
