/**
 * Sessions in a worker thread: same outputs as on the main thread, ordered concurrent runs, typed
 * errors across the thread boundary, release/crash handling, and the main thread left free.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { runModuleScript } from '../../../../test-support/node-script.js';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { DeviceError, ModelError, UsageError } from '../../src/errors.js';
import { addGraphOutputs } from '../../src/onnx/add-outputs.js';
import { parseOnnxModel, readOnnxModel } from '../../src/onnx/read-model.js';
import { createSession, type ModelSession, type OutputTensor } from '../../src/runtime/index.js';
import { reviveError, serializeError, typeScriptSourceHooks } from '../../src/threads.js';
import { C, K, randomFloats, S, tinyModel } from '../onnx/builder.js';

const plane = 3 * S * S;

/** The worker behind a worker session (internal; for the crash and termination tests). */
function workerOf(s: ModelSession): Worker {
  return (s as unknown as { worker: Worker }).worker;
}

function bits(t: OutputTensor): number[] {
  return Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
}

/** tinyModel with its `features` tensor as a second output. */
function twoOutputModel(): Uint8Array {
  return addGraphOutputs(parseOnnxModel(tinyModel('gemm')), [{ name: 'features', shape: ['N', K, S, S] }]);
}

/** Counts setImmediate turns of the event loop while `work` is pending. */
async function immediatesWhile<T>(work: () => Promise<T>): Promise<{ ticks: number; value: T }> {
  let ticks = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    ticks++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await work();
  done = true;
  return { ticks, value };
}

describe('worker sessions', () => {
  it('give bit-identical outputs to main-thread sessions (two outputs, fixed and dynamic batch)', async () => {
    for (const [bytes, batch] of [
      [twoOutputModel(), 3],
      [tinyModel('two-layer'), 2],
      [tinyModel('class-map-softmax'), 4],
      [tinyModel('gemm', { batch: 1 }), 3],
    ] as const) {
      await using w = await createSession(bytes, { device: 'cpu', thread: 'worker' });
      await using m = await createSession(bytes, { device: 'cpu', thread: 'main' });
      expect(w.thread).toBe('worker');
      expect(m.thread).toBe('main');
      expect([w.provider, w.inputName, w.inputShape, w.fixedBatch, w.outputNames]).toEqual([
        m.provider,
        m.inputName,
        m.inputShape,
        m.fixedBatch,
        m.outputNames,
      ]);
      const input = randomFloats(batch * plane, 7 + batch);
      const a = await w.run(input, batch);
      const b = await m.run(input, batch);
      expect(Object.keys(a).sort()).toEqual([...m.outputNames].sort());
      for (const name of m.outputNames) {
        expect(a[name]!.data).toBeInstanceOf(Float32Array);
        expect(a[name]!.dims).toEqual(b[name]!.dims);
        expect(bits(a[name]!)).toEqual(bits(b[name]!));
      }
    }
  });

  it('runs many requests in flight, resolving in call order with the right data', async () => {
    await using w = await createSession(twoOutputModel(), { device: 'cpu', intraOpThreads: 1 });
    await using m = await createSession(twoOutputModel(), { device: 'cpu', thread: 'main' });
    const inputs = Array.from({ length: 40 }, (_, i) => randomFloats(((i % 5) + 1) * plane, 100 + i));
    const order: number[] = [];
    const results = await Promise.all(
      inputs.map((input, i) =>
        w.run(input, input.length / plane).then((out) => {
          order.push(i);
          return out;
        }),
      ),
    );
    expect(order).toEqual(inputs.map((_, i) => i));
    for (const [i, input] of inputs.entries()) {
      const expected = await m.run(input, input.length / plane);
      expect(results[i]!.logits!.dims).toEqual([input.length / plane, C]);
      expect(bits(results[i]!.logits!)).toEqual(bits(expected.logits!));
      expect(bits(results[i]!.features!)).toEqual(bits(expected.features!));
    }
  });

  it("copies the input: the caller's array (and a subarray of a larger buffer) stays usable", async () => {
    await using w = await createSession(tinyModel('gemm'), { device: 'cpu' });
    const big = randomFloats(4 * plane, 9);
    const before = Array.from(big);
    const view = big.subarray(plane, 3 * plane);
    const out = await w.run(view, 2);
    expect(big.length).toBe(4 * plane);
    expect(view.length).toBe(2 * plane);
    expect(Array.from(big)).toEqual(before);
    const again = await w.run(big.slice(plane, 3 * plane), 2);
    expect(bits(out.logits!)).toEqual(bits(again.logits!));
    // The same buffer reused for the next batch while a run is in flight (as Score-CAM does).
    const reused = big.slice(0, plane);
    const first = w.run(reused, 1);
    reused.fill(0);
    const second = w.run(reused, 1);
    const [f, z] = await Promise.all([first, second]);
    expect(bits(f.logits!)).toEqual(bits((await w.run(big.subarray(0, plane), 1)).logits!));
    expect(bits(z.logits!)).toEqual(bits((await w.run(new Float32Array(plane), 1)).logits!));
  });

  it('bad input is a UsageError; a failure inside onnxruntime arrives as a ModelError with the file', async () => {
    await using w = await createSession(tinyModel('gemm'), { device: 'cpu', file: 'tiny.onnx' });
    await expect(w.run(new Float32Array(5), 1)).rejects.toThrow(UsageError);
    await expect(w.run(new Float32Array(plane), 0)).rejects.toThrow(/positive integer/);
    // dims that fit the values but not the model: only onnxruntime (in the worker) can tell.
    const e = await w.run(new Float32Array(plane), 1, [1, 3, S * 2, S / 2]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).code).toBe('E_SESSION');
    expect((e as ModelError).file).toBe('tiny.onnx');
    expect((e as ModelError).message).toMatch(/inference failed on input \[1,3,12,3\]/);
    expect((e as ModelError).cause).toBeInstanceOf(Error);
    // The session still works afterwards.
    expect((await w.run(randomFloats(plane), 1)).logits!.dims).toEqual([1, C]);
  });

  it('serialises typed errors with code, message, hint, file and line', () => {
    const original = new DeviceError('no such device', {
      hint: 'use --device cpu',
      file: 'm.onnx',
      line: 3,
      cause: new TypeError('inner'),
    });
    const copy = reviveError(structuredClone(serializeError(original)));
    expect(copy).toBeInstanceOf(DeviceError);
    const d = copy as DeviceError;
    expect([d.name, d.code, d.message, d.hint, d.file, d.line]).toEqual([
      'DeviceError',
      'E_DEVICE',
      'no such device',
      'use --device cpu',
      'm.onnx',
      3,
    ]);
    expect((d.cause as Error).message).toBe('inner');
    expect((d.cause as Error).name).toBe('TypeError');
    const plain = reviveError(serializeError(new RangeError('boom')));
    expect(plain).toBeInstanceOf(Error);
    expect(plain.message).toBe('boom');
  });

  it('release waits for runs in flight, then terminates the worker; later runs are refused', async () => {
    const w = await createSession(tinyModel('gemm'), { device: 'cpu' });
    const worker = workerOf(w);
    let exited = false;
    worker.once('exit', () => {
      exited = true;
    });
    const runs = [w.run(randomFloats(plane), 1), w.run(randomFloats(2 * plane), 2)];
    const released = w.release();
    expect(w.release()).toBe(released); // idempotent, same promise
    const outs = await Promise.all(runs);
    expect(outs.map((o) => o.logits!.dims)).toEqual([
      [1, C],
      [2, C],
    ]);
    await released;
    expect(exited).toBe(true);
    expect(worker.threadId).toBe(-1);
    await expect(w.run(randomFloats(plane), 1)).rejects.toThrow(/released/);
  });

  it('Symbol.asyncDispose releases the worker', async () => {
    let worker: Worker | undefined;
    {
      await using w = await createSession(tinyModel('gemm'), { device: 'cpu' });
      worker = workerOf(w);
      await w.run(randomFloats(plane), 1);
    }
    expect(worker.threadId).toBe(-1);
  });

  it('a crashed worker rejects pending runs with a clear error, and later runs fail clearly', async () => {
    const w = await createSession(tinyModel('gemm'), { device: 'cpu', file: 'tiny.onnx' });
    const pending = w.run(randomFloats(3 * plane), 3);
    workerOf(w).emit('error', new Error('simulated crash'));
    const e = await pending.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).message).toMatch(/worker thread crashed: simulated crash/);
    expect((e as ModelError).file).toBe('tiny.onnx');
    await expect(w.run(randomFloats(plane), 1)).rejects.toThrow(/session cannot run: .*crashed/);
    await w.release(); // still fine

    const v = await createSession(tinyModel('gemm'), { device: 'cpu' });
    // The thread goes away under the session, between runs: terminated inside onnxruntime's
    // synchronous run it would abort this whole process, which is why the session itself stops a
    // failed thread with a release message, never mid-run.
    await v.run(randomFloats(plane), 1);
    await workerOf(v).terminate();
    await expect(v.run(randomFloats(plane), 1)).rejects.toThrow(/exited unexpectedly/);
    await expect(v.run(randomFloats(plane), 1)).rejects.toThrow(ModelError);
    await v.release();
  });

  it('lets the process exit: after release, and also when a session is never released', () => {
    const session = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'runtime', 'session.ts')).href;
    const model = Array.from(tinyModel('gemm'));
    for (const release of [true, false]) {
      const script = `
        import { register } from 'node:module';
        register(${JSON.stringify(typeScriptSourceHooks())});
        const { createSession } = await import(${JSON.stringify(session)});
        const s = await createSession(new Uint8Array(${JSON.stringify(model)}), { device: 'cpu' });
        const out = await s.run(new Float32Array(${plane}), 1);
        ${release ? 'await s.release();' : ''}
        console.log('done', s.thread, out.logits.dims.join('x'));`;
      const r = runModuleScript(script);
      expect(r.signal, r.stderr).toBeNull(); // not killed by the timeout: it exited by itself
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`done worker 1x${C}`);
    }
  });
});

describeWithTestBed('worker sessions on the shared models', () => {
  it('leave the main thread free during a forward pass (resnet18, batch 8)', async () => {
    const file = shared('models', 'untrained', 'resnet18.onnx');
    const input = randomFloats(8 * 3 * 224 * 224, 21);
    const ticks: Record<string, number> = {};
    const outputs: Record<string, OutputTensor> = {};
    for (const thread of ['worker', 'main'] as const) {
      await using s = await createSession(file, { device: 'cpu', thread });
      await s.run(input.subarray(0, 3 * 224 * 224), 1); // warm up
      const { ticks: n, value } = await immediatesWhile(() => s.run(input, 8));
      ticks[thread] = n;
      outputs[thread] = value[s.outputNames[0]!]!;
    }
    console.info(
      `[worker.test] setImmediate turns during one resnet18 batch-8 run: ${JSON.stringify(ticks)}`,
    );
    expect(ticks.worker).toBeGreaterThan(0);
    expect(ticks.worker).toBeGreaterThan(ticks.main!);
    expect(outputs.worker!.dims).toEqual([8, 1000]);
    expect(bits(outputs.worker!)).toEqual(bits(outputs.main!));
  });

  it('MobileNetV2 from a path and from bytes agree with the main thread bit for bit', async () => {
    const onnx = await readOnnxModel(shared('models', 'mobilenetv2-1.0-imagenet.onnx'));
    await using fromPath = await createSession(onnx.path, { device: 'cpu' });
    await using fromBytes = await createSession(onnx.bytes, { device: 'cpu' });
    await using main = await createSession(onnx.bytes, { device: 'cpu', thread: 'main' });
    const input = randomFloats(4 * 3 * 224 * 224, 5);
    const [a, b, c] = await Promise.all([
      fromPath.run(input, 4),
      fromBytes.run(input, 4),
      main.run(input, 4),
    ]);
    const name = main.outputNames[0]!;
    expect(bits(a[name]!)).toEqual(bits(c[name]!));
    expect(bits(b[name]!)).toEqual(bits(c[name]!));
    expect(onnx.bytes.length).toBeGreaterThan(0); // the caller's model bytes are not detached
  });

  it('a thread that fails during a forward pass is stopped after it, not inside it (no process abort)', () => {
    // Terminating the thread inside onnxruntime's synchronous run, or letting the process exit
    // around it, aborts the process ("terminate called after throwing an instance of Napi::Error").
    const session = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'runtime', 'session.ts')).href;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(typeScriptSourceHooks())});
      const { createSession } = await import(${JSON.stringify(session)});
      const s = await createSession(${JSON.stringify(shared('models', 'untrained', 'resnet18.onnx'))}, { device: 'cpu' });
      const pending = s.run(new Float32Array(8 * 3 * 224 * 224).fill(0.1), 8);
      await new Promise((r) => setTimeout(r, 30)); // inside the forward pass (about 300 ms here)
      s.worker.emit('error', new Error('simulated crash'));
      console.log('rejected:', (await pending.catch((e) => e)).message);
      await s.release();
      console.log('released');`;
    const r = runModuleScript(script, 120_000);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('rejected: the onnxruntime worker thread crashed: simulated crash');
    expect(r.stdout).toContain('released');
  });
});
