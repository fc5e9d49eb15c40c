/**
 * Inputs in shared memory (the pipeline's batch slots, which decode workers fill in place):
 * onnxruntime-node refuses them as they are, so the session copies them once into plain memory.
 * Outputs must be bit-identical to a plain input's, the shared bytes must stay the caller's, and
 * runs in flight together must not see each other's staging buffers.
 */
import { describe, expect, it } from 'vitest';
import { createSession } from '../../src/runtime/index.js';
import { randomFloats, S, tinyModel } from '../onnx/builder.js';

describe.each(['worker', 'main'] as const)('a shared-memory input (thread %s)', (thread) => {
  it('gives the outputs of the same values in plain memory, and is neither moved nor changed', async () => {
    const s = await createSession(tinyModel('gemm'), { device: 'cpu', intraOpThreads: 1, thread });
    try {
      const plane = 3 * S * S;
      const batches = [3, 2, 3].map((n, b) => randomFloats(n * plane, 40 + b));
      // Several runs in flight at once, each from its own shared memory (the contract: a shared
      // input stays as it is until its run has resolved; the pipeline releases a slot only then).
      const memories = batches.map((plain) => {
        const memory = new Float32Array(new SharedArrayBuffer(plain.length * 4));
        memory.set(plain);
        return memory;
      });
      const sharedRuns = memories.map((memory) => s.run(memory, memory.length / plane));
      for (const [i, plain] of batches.entries()) {
        const a = await s.run(plain, plain.length / plane);
        const b = await sharedRuns[i]!;
        for (const name of Object.keys(a)) {
          expect(Buffer.from(b[name]!.data.buffer).equals(Buffer.from(a[name]!.data.buffer))).toBe(true);
        }
        // neither detached nor changed
        expect(Buffer.from(memories[i]!.buffer).equals(Buffer.from(plain.buffer))).toBe(true);
      }
    } finally {
      await s.release();
    }
  });
});
