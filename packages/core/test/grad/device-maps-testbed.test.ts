/**
 * Gradient CAMs computed in the graph (`--cam-on-device`) on the test bed's channels-last (Swin),
 * token (ViT) and inner-layer (ResNet-18 layer3) cases equal the JS path's maps: the layout
 * handling in the graph (transpose, token slicing) is the one the JS path does.
 */
import { expect, it } from 'vitest';
import { readNpyFloat32 } from '../../../../test-support/npy.js';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { resizeGeometry } from '../../src/geometry.js';
import { CamModel, type PreparedImage } from '../../src/model.js';
import { maxDifference } from '../cam/context.js';

const CASES = [
  ['swin_mini', 'swin_mini__features', undefined],
  ['vit_tiny', 'vit_tiny__encoder.layers.encoder_layer_3.ln_1', undefined],
  ['resnet18', 'resnet18__layer3', '/layer3/'],
] as const;

describeWithTestBed('gradient CAMs in the graph = the JS path (test bed)', () => {
  for (const [model, golden, layer] of CASES) {
    it(`${model}: gradcam and layercam, relu-minmax, two images`, async () => {
      const file = shared('models', 'untrained', `${model}.onnx`);
      const input = readNpyFloat32(shared('golden', 'gradients', golden, 'input.npy')).data;
      const plane = 3 * 224 * 224;
      const images: PreparedImage[] = [0, 1].map((i) => ({
        file: `image ${i}`,
        tensor: input.slice(i * plane, (i + 1) * plane),
        geometry: resizeGeometry(224, 224, 224, 224),
      }));
      const backprop = { ...(layer === undefined ? {} : { layers: [layer] }), always: true };
      const options = { device: 'cpu' as const, preprocess: { preset: 'imagenet' as const }, backprop };
      const js = await CamModel.load(file, options);
      try {
        const reference = await js.infer(images);
        for (const method of ['gradcam', 'layercam'] as const) {
          const device = await CamModel.load(file, {
            ...options,
            deviceCam: { mode: 'on', method, normalization: 'relu-minmax', targets: 1, maxRank: 5 },
          });
          try {
            const inferences = await device.infer(images);
            for (const i of [0, 1]) {
              const top = reference[i]!.ranked[0]!;
              const expected = await js.cam(reference[i]!, top, { method });
              const actual = await device.cam(inferences[i]!, top, { method });
              expect(maxDifference(actual.data, expected.data), `${method} image ${i}`).toBeLessThan(1e-5);
            }
          } finally {
            await device.release();
          }
        }
      } finally {
        await js.release();
      }
    }, 60_000);
  }
});
