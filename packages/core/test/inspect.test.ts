import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../test-support/testbed.js';
import { HeadNotFoundError } from '../src/errors.js';
import { formatInspection, inspectModel } from '../src/inspect.js';
import { parseOnnxModel } from '../src/onnx/read-model.js';
import { C, K, S, tinyModel } from './onnx/builder.js';

describe('inspectModel', () => {
  it('describes a tiny model', async () => {
    const x = await inspectModel(parseOnnxModel(tinyModel('gemm'), { path: 'tiny.onnx' }));
    expect(x).toMatchObject({
      file: 'tiny.onnx',
      inputName: 'input',
      inputShape: ['N', 3, S, S],
      batch: 'dynamic',
      inputWidth: S,
      inputHeight: S,
      featureTensor: 'features',
      featureShape: [null, K, S, S],
      channels: K,
      numClasses: C,
      headKind: 'gap-linear',
      scoreTensor: 'logits',
      opset: 13,
    });
    const text = formatInspection(x);
    expect(text).toMatch(/^model {11}tiny\.onnx$/m);
    expect(text).toMatch(/^feature tensor {2}features \[N, 4, 6, 6\]$/m);
    expect(text).toMatch(/^head {12}gap-linear: GlobalAveragePool -> Flatten -> Gemm$/m);
  });

  it('throws HeadNotFoundError for a model CAM cannot use', async () => {
    await expect(inspectModel(parseOnnxModel(tinyModel('two-layer')))).rejects.toThrow(HeadNotFoundError);
  });
});

describeWithTestBed('inspectModel on the shared models', () => {
  const dir = shared('models');
  const files = (() => {
    try {
      return [
        ...readdirSync(dir)
          .filter((f) => f.endsWith('.onnx'))
          .map((f) => `${dir}/${f}`),
        ...readdirSync(`${dir}/untrained`).map((f) => `${dir}/untrained/${f}`),
      ];
    } catch {
      return [];
    }
  })();
  it.each(files)('%s', async (file) => {
    // Not CAM-able: a two-layer head.
    if (file.endsWith('mobilenet_v3_small.onnx')) {
      await expect(inspectModel(file)).rejects.toThrow(HeadNotFoundError);
      return;
    }
    // A transformer's class-token head: its patch tokens make the grid (head/tokens.test.ts has more).
    if (file.endsWith('vit_tiny.onnx')) {
      expect((await inspectModel(file)).headKind).toBe('tokens');
      return;
    }
    const x = await inspectModel(file);
    console.log(`${formatInspection(x)}\n`);
    expect(x.numClasses).toBe(1000);
    expect(x.featureShape.slice(1).every((d) => typeof d === 'number')).toBe(true);
  });
});
