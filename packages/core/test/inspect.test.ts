import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../test-support/testbed.js';
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

  it('describes a two-layer head by its pooled layer: plain CAM does not apply, gradient methods do', async () => {
    const x = await inspectModel(parseOnnxModel(tinyModel('two-layer')));
    expect(x.headKind).toBe('layer');
    expect(x.featureTensor).toBe('features');
    expect(x.headProblem).toMatch(/no CAM head found/);
    const form = (m: string) => x.methods.find((f) => f.method === m)?.form;
    expect([form('cam'), form('gradcam'), form('scorecam'), form('eigencam')]).toEqual([
      'not applicable',
      'backprop',
      'forward passes',
      'features only',
    ]);
    expect(formatInspection(x)).toMatch(/^head +none for plain CAM .*gradient methods apply by backprop$/m);
  });

  it('lists candidate layers with their shapes', async () => {
    const x = await inspectModel(parseOnnxModel(tinyModel('gemm')), {}, { layers: true });
    expect(x.methods.find((f) => f.method === 'gradcam')?.form).toBe('closed form');
    expect(x.layers?.find((l) => l.name === 'features')).toEqual({
      name: 'features',
      tensor: 'features',
      shape: [2, K, S, S],
    });
    expect(formatInspection(x)).toMatch(/^ {2}features +\[N, 4, 6, 6\]$/m);
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
    // No closed-form head (a two-layer head; a LayerNorm after the pooling): the gradient methods
    // apply by backprop at the pooled layer, plain CAM does not.
    if (file.endsWith('mobilenet_v3_small.onnx') || file.endsWith('convnext_mini.onnx')) {
      const x = await inspectModel(file);
      expect(x.headKind).toBe('layer');
      expect(x.featureShape.slice(1)).toEqual(file.includes('mobilenet') ? [576, 7, 7] : [256, 7, 7]);
      expect(x.methods.find((m) => m.method === 'gradcam')?.form).toBe('backprop');
      expect(x.methods.find((m) => m.method === 'cam')?.form).toBe('not applicable');
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
