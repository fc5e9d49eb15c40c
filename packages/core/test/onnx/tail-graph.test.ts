/**
 * The model from one tensor on (Ablation-CAM's fast way), run in real onnxruntime sessions on the
 * tiny ViT: fed the twin's tensor it gives the twin's logits; a tensor that a path goes around has
 * no tail.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseOnnxModel } from '../../src/onnx/read-model.js';
import { tailFrom } from '../../src/onnx/tail-graph.js';
import { createSession } from '../../src/runtime/session.js';
import type { ModelSession } from '../../src/runtime/types.js';
import { tinyVit, tinyVitForward, VIT } from '../head/tiny-vit.js';
import { buildModel, randomFloats } from './builder.js';

const sessions: ModelSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
});

describe('tailFrom', () => {
  const model = parseOnnxModel(tinyVit({ softmax: true }));
  const inputs = [randomFloats(3 * VIT.size * VIT.size, 51), randomFloats(3 * VIT.size * VIT.size, 52)];

  for (const tensor of ['tokens', 'sequence'] as const) {
    it(`from '${tensor}': the tail's logits of the twin's ${tensor} are the twin's logits`, async () => {
      const tail = parseOnnxModel(tailFrom(model, tensor, ['logits'])!);
      expect(tail.realInputs().map((i) => i.name)).toEqual([tensor]);
      expect(tail.graph.outputs.map((o) => o.name)).toEqual(['logits']);
      // Only the nodes after the tensor are left (the patch embedding and the Softmax are not).
      const ops = tail.graph.nodes.map((n) => n.opType);
      expect(ops).toEqual(
        tensor === 'tokens' ? ['Gather', 'Gemm'] : ['MatMul', 'Add', 'Relu', 'Add', 'Gather', 'Gemm'],
      );
      const session = await createSession(tail.bytes, { device: 'cpu', thread: 'main' });
      sessions.push(session);
      const twins = inputs.map((x) => tinyVitForward(x));
      const batch = Float32Array.from(twins.flatMap((t) => Array.from(t[tensor])));
      const out = await session.run(batch, 2, [2, VIT.tokens, VIT.channels]);
      for (const [i, twin] of twins.entries())
        for (let c = 0; c < VIT.classes; c++)
          expect(out.logits!.data[i * VIT.classes + c]).toBeCloseTo(twin.logits[c]!, 4);
    });
  }

  it('has no tail where a path goes around the tensor', () => {
    // The residual Add reads 'sequence', which does not pass through 'block.act'.
    expect(tailFrom(model, 'block.act', ['logits'])).toBeUndefined();
    // A Shape of the input reaches the output beside 'h'.
    const shaped = parseOnnxModel(
      buildModel({
        inputs: [{ name: 'x', shape: [2, 3] }],
        outputs: [{ name: 'y', shape: [2, 3] }],
        nodes: [
          { op: 'Relu', inputs: ['x'], outputs: ['h'] },
          { op: 'Shape', inputs: ['x'], outputs: ['s'] },
          { op: 'Reshape', inputs: ['h', 's'], outputs: ['y'] },
        ],
      }),
    );
    expect(tailFrom(shaped, 'h', ['y'])).toBeUndefined();
    expect(tailFrom(shaped, 'x', ['y'])).toBeDefined();
  });
});
