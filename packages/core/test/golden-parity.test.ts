import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pearson, readNpyFloat32 } from '../../../test-support/npy.js';
import { describeWithTestBed, shared } from '../../../test-support/testbed.js';
import { CamModel } from '../src/model.js';

/**
 * The seed's PyTorch recipe (torchvision ResNet-18, layer4 hook, CAM of the arg-max class, ReLU,
 * min-max over 7x7) against the same weights exported to ONNX: `untrained/resnet18.onnx`.
 */
describeWithTestBed('golden parity with the seed recipe (ResNet-18)', () => {
  const golden = shared('golden', 'resnet18-untrained');
  const index = JSON.parse(readFileSync(`${golden}/index.json`, 'utf8')) as {
    image: string;
    class: number;
  }[];
  let model: CamModel;
  const figures: string[] = [];

  beforeAll(async () => {
    model = await CamModel.load(shared('models', 'untrained', 'resnet18.onnx'), {
      device: 'cpu',
      preprocess: { preset: 'imagenet' },
    });
  });
  afterAll(async () => {
    await model?.release();
    console.info(`[golden parity]\n${figures.join('\n')}`);
  });

  for (const { image, class: expectedClass } of index) {
    const stem = image.replace(/\.JPEG$/, '');

    it(`${stem}: .input.npy reproduces .logits.npy and .cam.npy within 1e-4`, async () => {
      const input = readNpyFloat32(`${golden}/${stem}.input.npy`);
      const logits = readNpyFloat32(`${golden}/${stem}.logits.npy`).data;
      const cam = readNpyFloat32(`${golden}/${stem}.cam.npy`).data;
      const prepared = {
        file: image,
        image: { width: 224, height: 224, data: new Uint8Array(224 * 224 * 3) },
        tensor: input.data,
        geometry: {
          originalWidth: 224,
          originalHeight: 224,
          resizeWidth: 224,
          resizeHeight: 224,
          cropX: 0,
          cropY: 0,
          inputWidth: 224,
          inputHeight: 224,
        },
      };
      const [inference] = await model.infer([prepared]);
      let logitError = 0;
      for (let i = 0; i < logits.length; i++)
        logitError = Math.max(logitError, Math.abs(inference!.scores[i]! - logits[i]!));
      expect(inference!.ranked[0]).toBe(expectedClass);
      const map = await model.cam(inference!, expectedClass, { method: 'cam', normalization: 'relu-minmax' });
      expect([map.width, map.height]).toEqual([7, 7]);
      let camError = 0;
      for (let i = 0; i < 49; i++) camError = Math.max(camError, Math.abs(map.data[i]! - cam[i]!));
      figures.push(
        `${stem} tensor: max |logit diff| ${logitError.toExponential(2)}, max |cam diff| ${camError.toExponential(2)}`,
      );
      expect(logitError).toBeLessThan(1e-4);
      expect(camError).toBeLessThan(1e-4);
    });

    it(`${stem}: from the JPEG end to end, the 7x7 CAM correlates with the golden one (r >= 0.99)`, async () => {
      const cam = readNpyFloat32(`${golden}/${stem}.cam.npy`).data;
      const [inference] = await model.explain([shared('datasets', 'ilsvrc2012-val-1000', 'images', image)]);
      const map = await model.cam(inference!, expectedClass);
      const r = pearson(map.data, cam);
      figures.push(
        `${stem} jpeg: r = ${r.toFixed(5)}, top-1 ${inference!.ranked[0]} (golden ${expectedClass})`,
      );
      expect(r).toBeGreaterThanOrEqual(0.99);
    });
  }
});
