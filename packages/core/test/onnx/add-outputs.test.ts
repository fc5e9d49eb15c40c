import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { detectCamHead } from '../../src/head/detect.js';
import { addGraphOutputs, graphOutputsFragment } from '../../src/onnx/add-outputs.js';
import { parseOnnxModel, readOnnxModel } from '../../src/onnx/read-model.js';
import { createSession } from '../../src/runtime/session.js';
import { K, randomFloats, S, tinyModel } from './builder.js';

describe('addGraphOutputs', () => {
  it('appends a graph fragment and keeps every original byte', () => {
    const m = parseOnnxModel(tinyModel('gemm'));
    const edited = addGraphOutputs(m, [{ name: 'features', shape: ['N', K, S, S] }]);
    expect(edited.length).toBeGreaterThan(m.bytes.length);
    expect(Buffer.from(edited.subarray(0, m.bytes.length)).equals(Buffer.from(m.bytes))).toBe(true);
    expect(
      Buffer.from(edited.subarray(m.bytes.length)).equals(
        Buffer.from(graphOutputsFragment([{ name: 'features', shape: ['N', K, S, S] }])),
      ),
    ).toBe(true);
    // our own parser merges the two graph occurrences as protobuf does
    const again = parseOnnxModel(edited);
    expect(again.graph.outputs.map((o) => o.name)).toEqual(['logits', 'features']);
    expect(again.graph.outputs[1]!.shape).toEqual(['N', K, S, S]);
    expect(again.graph.nodes.length).toBe(m.graph.nodes.length);
  });

  it('leaves existing outputs alone and refuses unknown names', () => {
    const m = parseOnnxModel(tinyModel('gemm'));
    expect(addGraphOutputs(m, ['logits'])).toBe(m.bytes);
    expect(() => addGraphOutputs(m, ['nope'])).toThrow(/no tensor of that name/);
  });

  it('onnxruntime returns the added output and identical logits', async () => {
    const m = parseOnnxModel(tinyModel('gemm'));
    const input = randomFloats(2 * 3 * S * S, 9);
    const a = await createSession(m.bytes, { device: 'cpu', thread: 'main' });
    const b = await createSession(addGraphOutputs(m, ['features', 'pooled']), {
      device: 'cpu',
      thread: 'main',
    });
    try {
      expect(b.outputNames).toEqual(['logits', 'features', 'pooled']);
      const ra = await a.run(input, 2);
      const rb = await b.run(input, 2);
      expect(Buffer.from(rb.logits!.data.buffer).equals(Buffer.from(ra.logits!.data.buffer))).toBe(true);
      expect(rb.features!.dims).toEqual([2, K, S, S]);
      expect(rb.pooled!.dims).toEqual([2, K, 1, 1]);
    } finally {
      await a.release();
      await b.release();
    }
  });
});

function sharedModels(): string[] {
  const dir = shared('models');
  return [
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.onnx'))
      .map((f) => `${dir}/${f}`),
    ...readdirSync(`${dir}/untrained`)
      .filter((f) => f.endsWith('.onnx'))
      .map((f) => `${dir}/untrained/${f}`),
  ];
}

describeWithTestBed('addGraphOutputs on every shared model', () => {
  const files = (() => {
    try {
      return sharedModels();
    } catch {
      return [];
    }
  })();
  it.each(files)('%s: bit-identical logits and the feature output', async (file) => {
    const m = await readOnnxModel(file);
    // the feature tensor: the detected head's, or (for models CAM cannot use) the pooling input
    let feature: string;
    try {
      feature = (await detectCamHead(m)).featureTensor;
    } catch {
      // the pooling input, or for a transformer the class-token Gather's input (the token tensor)
      const pool = m.graph.nodes.findLast((n) => n.opType === 'GlobalAveragePool');
      const tokens = m.graph.nodes.findLast((n) => n.opType === 'Gather');
      feature = (pool ?? tokens)!.inputs[0]!;
    }
    const edited = addGraphOutputs(m, [feature]);
    // On the calling thread: the bytes onnxruntime returns do not depend on the thread it runs on
    // (test/runtime/worker.test.ts holds the two to each other), and a session thread started from
    // src/ costs a second of CPU.
    const a = await createSession(m.bytes, { device: 'cpu', thread: 'main' });
    const b = await createSession(edited, { device: 'cpu', thread: 'main' });
    try {
      const shape = a.inputShape.map((d) => (typeof d === 'number' ? d : 2));
      const batch = shape[0]!;
      const input = randomFloats(
        shape.reduce((x, y) => x * y, 1),
        17,
      );
      const out = m.graph.outputs[0]!.name;
      const ra = await a.run(input, batch);
      const rb = await b.run(input, batch);
      const same = Buffer.from(
        rb[out]!.data.buffer,
        rb[out]!.data.byteOffset,
        rb[out]!.data.byteLength,
      ).equals(Buffer.from(ra[out]!.data.buffer, ra[out]!.data.byteOffset, ra[out]!.data.byteLength));
      const f = rb[feature]!;
      console.log(
        `[add-outputs] ${file.split('/').pop()}: bit-identical=${same} feature ${feature} [${f.dims.join(',')}]`,
      );
      expect(same).toBe(true);
      expect(f.dims.length).toBe(file.endsWith('vit_tiny.onnx') ? 3 : 4);
      expect(f.dims[0]).toBe(batch);
    } finally {
      await a.release();
      await b.release();
    }
  });
});
