/**
 * Parity with PyTorch autograd (../shared/golden/gradients: torch 1.13 on the very weights of the
 * ONNX files) for seven layer cases: inner layers, a two-layer head, SE blocks, a LayerNorm after
 * the pooling, channels-last features and transformer tokens. Gradients to 1e-4 of the largest
 * |gradient|, Grad-CAM maps to 1e-3 of the map's max, through CamModel as a user calls it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { readNpyFloat32 } from '../../../../test-support/npy.js';
import { describeWithTestBed, hasTestBed, shared } from '../../../../test-support/testbed.js';
import { resizeGeometry } from '../../src/geometry.js';
import { valuesToGrid } from '../../src/grad/layer.js';
import { CamModel, type PreparedImage } from '../../src/model.js';

interface Meta {
  readonly model: string;
  readonly onnx_tensor: string;
  readonly layout: string;
  readonly activation_shape: number[];
}

function readNpyInt64(path: string): number[] {
  const bytes = readFileSync(path);
  const header = bytes.readUInt16LE(8);
  const start = bytes.byteOffset + 10 + header;
  return Array.from(new BigInt64Array(bytes.buffer.slice(start, bytes.byteOffset + bytes.length)), Number);
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describeWithTestBed('gradients through the graph = PyTorch autograd (golden/gradients)', () => {
  const root = shared('golden', 'gradients');
  const cases = hasTestBed ? readdirSync(root).sort() : [];
  const figures: string[] = [];
  afterAll(() => console.info(`[golden gradients]\n${figures.join('\n')}`));

  for (const name of cases) {
    it(`${name}: both classes of both photos`, async () => {
      const dir = `${root}/${name}`;
      const meta = JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as Meta;
      const model = await CamModel.load(shared(meta.model), {
        device: 'cpu',
        preprocess: { preset: 'imagenet' },
        backprop: { layers: [meta.onnx_tensor], always: true },
      });
      // Where the layer is a GAP-linear head's features, the closed form must agree (to 1e-5).
      const closed = await CamModel.load(shared(meta.model), {
        device: 'cpu',
        preprocess: { preset: 'imagenet' },
        backprop: { layers: [meta.onnx_tensor] },
      });
      try {
        expect(model.hasBackprop).toBe(true);
        const input = readNpyFloat32(`${dir}/input.npy`).data;
        const classes = readNpyInt64(`${dir}/classes.npy`); // [2,2]: arg-max, class 1
        const plane = 3 * 224 * 224;
        const batch: PreparedImage[] = [0, 1].map((i) => ({
          file: `image ${i}`,
          tensor: input.slice(i * plane, (i + 1) * plane),
          geometry: resizeGeometry(224, 224, 224, 224),
        }));
        const inferences = await model.infer(batch, 5, [
          [classes[0]!, classes[1]!],
          [classes[2]!, classes[3]!],
        ]);
        const [k, h, w] = model.featureShape;
        for (const [column, label] of [
          [0, 'top'],
          [1, 'c1'],
        ] as const) {
          const grads = readNpyFloat32(`${dir}/grad_${label}.npy`).data;
          const maps = readNpyFloat32(`${dir}/gradcam_${label}.npy`).data;
          for (const i of [0, 1]) {
            const classIndex = classes[i * 2 + column]!;
            const inference = inferences[i]!;
            const per = grads.length / 2;
            // PyTorch's layout -> the [K,h,w] grid, as the model's own outputs are turned.
            const grid = valuesToGrid(
              grads.subarray(i * per, (i + 1) * per),
              meta.layout === 'nhwc'
                ? { layout: 'nhwc', channels: k, height: h, width: w }
                : meta.layout.startsWith('tokens')
                  ? {
                      layout: 'tokens',
                      channels: k,
                      height: h,
                      width: w,
                      tokens: {
                        count: per / k,
                        skip: per / k - h * w,
                        gridHeight: h,
                        gridWidth: w,
                        source: 'given',
                      },
                    }
                  : { layout: 'nchw', channels: k, height: h, width: w },
            );
            const ours = inference.classGradients!.find((g) => g.classIndex === classIndex)!.values;
            const gradientError = maxDiff(ours, grid) / maxAbs(grid);
            const map = await model.cam(inference, classIndex, { method: 'gradcam', normalization: 'none' });
            const reference = maps.subarray(i * h * w, (i + 1) * h * w);
            const relu = Array.from(map.data, (v) => Math.max(0, v));
            const mapError = maxDiff(relu, reference) / maxAbs(reference);
            if (!closed.hasBackprop) {
              const [closedInference] = await closed.infer([inference.prepared]);
              const closedMap = await closed.cam(closedInference!, classIndex, {
                method: 'gradcam',
                normalization: 'none',
              });
              const closedError = maxDiff(closedMap.data, map.data) / maxAbs(map.data);
              figures.push(
                `${name} image ${i} ${label}: closed form against backprop ${closedError.toExponential(1)}`,
              );
              expect(closedError).toBeLessThan(1e-5);
            }
            figures.push(
              `${name} image ${i} ${label}: gradient ${gradientError.toExponential(1)}, Grad-CAM ${mapError.toExponential(1)}`,
            );
            expect(gradientError).toBeLessThan(1e-4);
            expect(mapError).toBeLessThan(1e-3);
          }
        }
      } finally {
        await model.release();
        await closed.release();
      }
    }, 60_000);
  }
});
