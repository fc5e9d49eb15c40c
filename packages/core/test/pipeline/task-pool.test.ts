import { describe, expect, it } from 'vitest';
import { runModuleScript } from '../../../../test-support/node-script.js';
import { ImageError } from '../../src/errors.js';
import { TaskPool } from '../../src/pipeline/task-pool.js';
import type { EchoRequest } from './echo-worker.js';

const start = (size: number, workerData: unknown = { factor: 2 }) =>
  TaskPool.start<EchoRequest, unknown>({
    callerUrl: import.meta.url,
    module: 'echo-worker',
    size,
    workerData,
    label: 'the test workers',
  });

describe('TaskPool', () => {
  it('runs tasks on the workers; transferred buffers move (the sender is detached) and results come back', async () => {
    const pool = await start(2);
    try {
      const values = Float32Array.from([1, 2, 3]);
      const r = (await pool.run({ op: 'double', values }, [values.buffer])) as {
        out: Float32Array;
        received: number;
      };
      expect(Array.from(r.out)).toEqual([2, 4, 6]);
      expect(r.received).toBe(3);
      expect(values.byteLength).toBe(0); // moved, not copied
      const kept = Float32Array.from([5]);
      await pool.run({ op: 'double', values: kept });
      expect(kept.byteLength).toBe(4); // copied when not in the transfer list
    } finally {
      await pool.close();
    }
  });

  it('spreads concurrent tasks over the workers and keeps each answer with its request', async () => {
    const pool = await start(3);
    try {
      const tags = await Promise.all(
        Array.from({ length: 6 }, (_, i) => pool.run({ op: 'slow', ms: 50, tag: i })),
      );
      expect(tags).toEqual([0, 1, 2, 3, 4, 5]);
      // nine tasks at once (a negative tag answers with the thread's id) reach all three threads
      const threads = await Promise.all(
        Array.from({ length: 9 }, () => pool.run({ op: 'slow', ms: 50, tag: -1 })),
      );
      expect(new Set(threads).size).toBe(3);
    } finally {
      await pool.close();
    }
  });

  it('a typed error thrown in a worker arrives as the same class with its code, file and hint', async () => {
    const pool = await start(1);
    try {
      const error = await pool.run({ op: 'fail', file: 'photos/cat.jpg' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageError);
      expect(error).toMatchObject({ code: 'E_IMAGE_READ', file: 'photos/cat.jpg', hint: 'check the file' });
      expect(await pool.run({ op: 'slow', ms: 1, tag: 7 })).toBe(7); // the worker lives on
    } finally {
      await pool.close();
    }
  });

  // In a child process (vitest's own thread intercepts a nested worker's uncaught exception).
  it('a worker that dies fails its own task; the others go on; with none left every task fails', () => {
    const script = `
      import { TaskPool } from ${JSON.stringify(new URL('../../dist/workers.js', import.meta.url).href)};
      const pool = await TaskPool.start({ callerUrl: ${JSON.stringify(import.meta.url)}, module: 'echo-worker',
        size: 2, workerData: { factor: 2 }, label: 'the test workers' });
      const out = [];
      const attempt = (p) => p.then((v) => out.push('ok ' + v), (e) => out.push('error ' + e.message));
      await attempt(pool.run({ op: 'die' }));
      out.push('size ' + pool.size);
      await attempt(pool.run({ op: 'slow', ms: 1, tag: 1 }));
      await attempt(pool.run({ op: 'die' }));
      out.push('size ' + pool.size);
      await attempt(pool.run({ op: 'slow', ms: 1, tag: 2 }));
      await pool.close();
      console.log(JSON.stringify(out));`;
    const r = runModuleScript(script);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual([
      'error the test workers: a worker thread failed: worker crashed on purpose',
      'size 1',
      'ok 1',
      'error the test workers: a worker thread failed: worker crashed on purpose',
      'size 0',
      'error the test workers: no worker thread is left (each one failed)',
    ]);
  });

  // Node refuses V8 flags in a worker's explicit execArgv, which a parent with --input-type needs.
  it('starts its workers in a process run with a V8 flag (--max-old-space-size) and --input-type', () => {
    const script = `
      import { TaskPool } from ${JSON.stringify(new URL('../../dist/workers.js', import.meta.url).href)};
      const pool = await TaskPool.start({ callerUrl: ${JSON.stringify(import.meta.url)}, module: 'echo-worker',
        size: 2, workerData: { factor: 3 }, label: 'the test workers' });
      const r = await pool.run({ op: 'double', values: Float32Array.from([1, 2]) });
      await pool.close();
      console.log(JSON.stringify(Array.from(r.out)));`;
    const r = runModuleScript(script, 60_000, ['--max-old-space-size=512']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual([3, 6]);
  });

  it('a set-up failure fails start() with the typed error; close() rejects pending tasks', async () => {
    await expect(start(2, { factor: 1, failSetup: true })).rejects.toMatchObject({
      name: 'ImageError',
      file: 'setup.png',
    });
    const pool = await start(1);
    const pending = pool.run({ op: 'slow', ms: 5000, tag: 0 }).catch((e: unknown) => e);
    await pool.close();
    expect(String(await pending)).toMatch(/closed/);
    await expect(pool.run({ op: 'slow', ms: 1, tag: 0 })).rejects.toThrow(/closed/);
  });

  it('spawn(): threads start before their set-up, which start() sends; tasks then run with it', async () => {
    const spawning = TaskPool.spawn<EchoRequest, unknown>({
      callerUrl: import.meta.url,
      module: 'echo-worker',
      size: 2,
      label: 'the test workers',
    });
    expect(spawning.size).toBe(2);
    const pool = await spawning.start({ factor: 3 }, 4);
    try {
      const r = (await pool.run({ op: 'double', values: new Float32Array([1, 2]) })) as { out: Float32Array };
      expect([...r.out]).toEqual([3, 6]);
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
    }
    const failing = TaskPool.spawn<EchoRequest, unknown>({
      callerUrl: import.meta.url,
      module: 'echo-worker',
      size: 1,
      label: 'the test workers',
    });
    await expect(failing.start({ factor: 1, failSetup: true })).rejects.toMatchObject({
      name: 'ImageError',
      file: 'setup.png',
    });
  });

  // In a child process: whether the process exits is what is tested.
  it('spawned threads that never get their set-up neither keep the process alive nor fail it; close() ends them', () => {
    const script = `
      import { TaskPool } from ${JSON.stringify(new URL('../../dist/workers.js', import.meta.url).href)};
      const options = { callerUrl: ${JSON.stringify(import.meta.url)}, module: 'echo-worker', size: 2, label: 'w' };
      const closed = TaskPool.spawn(options);
      await closed.close();
      TaskPool.spawn(options); // never started: the process must still exit
      console.log('done');`;
    const r = runModuleScript(script);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('done');
  });
});
