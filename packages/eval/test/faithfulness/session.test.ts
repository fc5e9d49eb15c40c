/**
 * The metrics through a real onnxruntime session: a linear model built here in code
 * (input [N,3,2,2] -> Flatten -> Gemm -> logits [N,3]) must give exactly what the same linear
 * map computed in JavaScript gives, for every metric, batched as the session takes it.
 */

import { describe, expect, it } from 'vitest';
import { createSession, encodeValueInfo, ProtoWriter } from '../../../../test-support/onnx.js';
import {
  classProbability,
  createFaithfulnessMetrics,
  evaluateFaithfulness,
  FAITHFULNESS_METRIC_NAMES,
  type FaithfulnessImage,
} from '../../src/index.js';

const CLASSES = 3;
const FEATURES = 12;
const W = Float32Array.from({ length: CLASSES * FEATURES }, (_, i) => Math.sin(1.7 * i + 0.3));
const B = Float32Array.from([0.1, -0.2, 0.05]);

function tensor(w: ProtoWriter, name: string, dims: number[], data: Float32Array): void {
  w.packedInts(1, dims);
  w.int(2, 1);
  w.string(8, name);
  w.bytes(9, new Uint8Array(data.buffer.slice(0)));
}

function linearModel(): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8);
  w.message(8, (o) => o.string(1, '').int(2, 13));
  w.message(7, (g) => {
    g.message(1, (n) => n.string(1, 'input').string(2, 'flat').string(3, 'flatten').string(4, 'Flatten'));
    g.message(1, (n) => {
      n.string(1, 'flat')
        .string(1, 'fc.w')
        .string(1, 'fc.b')
        .string(2, 'logits')
        .string(3, 'fc')
        .string(4, 'Gemm');
      n.message(5, (a) => a.string(1, 'transB').int(3, 1).int(20, 2));
    });
    g.string(2, 'linear');
    g.message(5, (t) => tensor(t, 'fc.w', [CLASSES, FEATURES], W));
    g.message(5, (t) => tensor(t, 'fc.b', [CLASSES], B));
    g.message(11, (v) => encodeValueInfo(v, { name: 'input', shape: ['N', 3, 2, 2] }));
    g.message(12, (v) => encodeValueInfo(v, { name: 'logits', shape: ['N', CLASSES] }));
  });
  return w.finish();
}

/** The same model in JavaScript (float64). */
async function linearForward(batch: Float32Array, count: number): Promise<Float32Array> {
  const out = new Float32Array(count * CLASSES);
  for (let b = 0; b < count; b++) {
    for (let c = 0; c < CLASSES; c++) {
      let s = B[c]!;
      for (let f = 0; f < FEATURES; f++) s += W[c * FEATURES + f]! * batch[b * FEATURES + f]!;
      out[b * CLASSES + c] = s;
    }
  }
  return out;
}

describe('faithfulness through an onnxruntime session', () => {
  it('equals the hand-written model on every metric', async () => {
    const session = await createSession(linearModel(), { device: 'cpu', outputs: ['logits'] });
    try {
      const calls: number[] = [];
      const forward = async (batch: Float32Array, count: number) => {
        calls.push(count);
        return (await session.run(batch, count)).logits!.data;
      };
      const input = Float32Array.from({ length: FEATURES }, (_, i) => Math.cos(0.9 * i) * 2);
      const scores = await linearForward(input, 1);
      const classIndex = scores.indexOf(Math.max(...scores));
      const image: FaithfulnessImage = {
        input,
        width: 2,
        height: 2,
        map: { width: 2, height: 2, data: Float32Array.from([0.9, 0.1, 0.4, 0.6]) },
        classIndex,
        probability: classProbability(scores, classIndex),
      };
      const metrics = createFaithfulnessMetrics(FAITHFULNESS_METRIC_NAMES, { steps: 4 });
      const real = await evaluateFaithfulness(image, metrics, forward, { batchSize: 8 });
      const reference = await evaluateFaithfulness(image, metrics, linearForward, { batchSize: 8 });
      // 1 + 4 + 4 + 18 perturbed inputs in batches of 8.
      expect(calls).toEqual([8, 8, 8, 3]);
      const flat = (r: Record<string, unknown>) =>
        JSON.stringify(r)
          .match(/-?\d+\.?\d*(e-?\d+)?/g)!
          .map(Number);
      const a = flat(real.results);
      const b = flat(reference.results);
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
      expect(Object.keys(real.results)).toEqual(['avgdrop', 'deletion', 'insertion', 'road']);
    } finally {
      await session.release();
    }
  });
});
