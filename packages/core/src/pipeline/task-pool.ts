/**
 * A pool of worker threads that each serve one kind of task (a module written with
 * {@link serveTasks}): requests go to the least busy worker, at most `inFlight` per worker, and
 * each comes back as a promise. Buffers named in a request's transfer list move to the worker
 * without a copy; the worker's reply transfers its buffers back the same way. Typed errors thrown
 * in a worker arrive as the same class (code, file and hint kept). A worker that dies rejects its
 * own pending tasks; the pool goes on with the others, and fails every task once none is left.
 *
 * The caller bounds how many tasks it submits ahead (the pipeline keeps a window); the pool
 * queues what it cannot dispatch yet. Idle workers are unref'd, so a pool left open does not keep
 * the process alive; `close()` terminates them.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { DeviceError, UsageError } from '../errors.js';
import { reviveError, type SerializedError, startModuleWorker } from '../threads.js';

/** A message from the pool to a task worker. */
export interface TaskRequest<Req> {
  readonly id: number;
  readonly request: Req;
}

/** A message from a task worker to the pool. */
export type TaskReply<Res> =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number; readonly result: Res }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'init-failed'; readonly error: SerializedError };

export interface TaskPoolOptions {
  /** `import.meta.url` of the module beside which the worker module sits. */
  readonly callerUrl: string;
  /** The worker module's name without extension (`prepare-worker` for prepare-worker.js/.ts). */
  readonly module: string;
  /** Number of worker threads. */
  readonly size: number;
  /** Passed to every worker as `workerData` (structured clone: a copy per worker). */
  readonly workerData: unknown;
  /** Tasks in flight per worker (default 2: one running, one waiting, so no worker starves). */
  readonly inFlight?: number;
  /** Names the pool in messages ('the decode workers'). */
  readonly label: string;
}

interface Pending<Res> {
  resolve: (result: Res) => void;
  reject: (error: Error) => void;
}

interface Slot<Res> {
  readonly worker: Worker;
  readonly pending: Map<number, Pending<Res>>;
  alive: boolean;
  /** Settles when the thread has ended. */
  readonly exited: Promise<void>;
}

interface Queued<Req, Res> {
  readonly id: number;
  readonly request: Req;
  readonly transfer: readonly ArrayBuffer[];
  readonly pending: Pending<Res>;
}

/**
 * Default pool size: the cores left after the thread that drives the pipeline, and at least 2, so
 * that decoding and post-processing overlap even on a 2-core machine: the session's thread mostly
 * waits on onnxruntime's own threads (figures: packages/cli/bench/MEASUREMENTS.md).
 */
export function defaultPoolSize(): number {
  return Math.max(2, availableParallelism() - 1);
}

/** Checks a worker count given by a user (`--workers`). */
export function checkWorkerCount(value: number, name = 'workers'): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new UsageError(`${name} must be a whole number >= 0, got ${value}`);
  }
  return value;
}

/**
 * `workerData` of threads started before their set-up exists ({@link TaskPool.spawn}): the set-up
 * then comes as the first message, `{ setUp }`.
 */
export const SET_UP_LATER = { setUpLater: true } as const;

/** Threads that are starting (loading their modules) while their set-up is still being made. */
export interface SpawningPool<Req, Res> {
  /** The number of threads. */
  readonly size: number;
  /**
   * Sends the set-up to every thread and waits until each has finished it (or one failed);
   * `inFlight` as in {@link TaskPoolOptions}, when it was not known at the spawn.
   */
  start(workerData: unknown, inFlight?: number): Promise<TaskPool<Req, Res>>;
  /** Ends the threads (the set-up will not come). */
  close(): Promise<void>;
}

export class TaskPool<Req, Res> {
  private readonly slots: Slot<Res>[] = [];
  private readonly queue: Queued<Req, Res>[] = [];
  private nextId = 1;
  private closed = false;
  private inFlight: number;

  private constructor(private readonly options: TaskPoolOptions) {
    this.inFlight = Math.max(1, options.inFlight ?? 2);
  }

  /** Starts the workers and waits until each has finished its set-up (or one failed it). */
  static async start<Req, Res>(options: TaskPoolOptions): Promise<TaskPool<Req, Res>> {
    checkPoolSize(options);
    const pool = new TaskPool<Req, Res>(options);
    try {
      await Promise.all(Array.from({ length: options.size }, () => pool.spawn(false)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /**
   * Starts the threads now and sends their set-up later, so that loading their modules overlaps
   * whatever makes the set-up (a model's session: on 16 cores the threads' start-up took 0.6 s
   * after it). Until `start`, the threads are unref'd: a command that fails first still exits.
   */
  static spawn<Req, Res>(options: Omit<TaskPoolOptions, 'workerData'>): SpawningPool<Req, Res> {
    checkPoolSize(options);
    const pool = new TaskPool<Req, Res>({ ...options, workerData: SET_UP_LATER });
    const readies = Array.from({ length: options.size }, () => pool.spawn(true));
    // A thread that dies before `start` rejects its promise then, not as an unhandled rejection.
    for (const ready of readies) ready.catch(() => {});
    return {
      size: options.size,
      start: async (workerData, inFlight) => {
        if (inFlight !== undefined) pool.inFlight = Math.max(1, inFlight);
        for (const slot of pool.slots) {
          slot.worker.ref();
          slot.worker.postMessage({ setUp: workerData });
        }
        try {
          await Promise.all(readies);
        } catch (error) {
          await pool.close();
          throw error;
        }
        return pool;
      },
      close: () => pool.close(),
    };
  }

  get size(): number {
    return this.slots.filter((s) => s.alive).length;
  }

  /** Runs one task on the least busy worker. `transfer` buffers are moved, not copied. */
  run(request: Req, transfer: readonly ArrayBuffer[] = []): Promise<Res> {
    if (this.closed) return Promise.reject(new UsageError(`${this.options.label}: pool is closed`));
    if (this.size === 0) {
      return Promise.reject(
        new DeviceError(`${this.options.label}: no worker thread is left (each one failed)`, {
          hint: 'run with `workers: 0` to do this work on the main thread',
        }),
      );
    }
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, transfer, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const gone = new Error(`${this.options.label}: pool closed`);
    for (const q of this.queue.splice(0)) q.pending.reject(gone);
    await Promise.all(
      this.slots.map(async (slot) => {
        const wasAlive = slot.alive;
        slot.alive = false;
        for (const p of slot.pending.values()) p.reject(gone);
        slot.pending.clear();
        // A thread that failed is still on its way out: wait for its exit rather than terminate it.
        slot.worker.ref();
        if (wasAlive) await slot.worker.terminate();
        await slot.exited;
      }),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private spawn(setUpLater: boolean): Promise<void> {
    const worker = startModuleWorker(this.options.callerUrl, this.options.module, {
      workerData: this.options.workerData,
      missing: (path) =>
        new DeviceError(`${this.options.label}: worker module ${path} is missing`, {
          hint: 'rebuild the packages (pnpm build), or run with `workers: 0`',
        }),
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const slot: Slot<Res> = { worker, pending: new Map(), alive: true, exited };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: TaskReply<Res>) => {
        if (m.type === 'ready') {
          ready = true;
          worker.unref();
          resolve();
        } else if (m.type === 'init-failed') {
          reject(reviveError(m.error, { thread: this.options.label }));
        } else {
          const p = slot.pending.get(m.id);
          if (p === undefined) return;
          slot.pending.delete(m.id);
          if (slot.pending.size === 0) worker.unref();
          if (m.type === 'done') p.resolve(m.result);
          else p.reject(reviveError(m.error, { thread: this.options.label }));
          this.dispatch();
        }
      });
      const die = (why: string) => {
        if (!slot.alive) return;
        slot.alive = false;
        const error = new DeviceError(`${this.options.label}: a worker thread ${why}`, {
          hint: 'run with `workers: 0` to do this work on the main thread',
        });
        for (const p of slot.pending.values()) p.reject(error);
        slot.pending.clear();
        if (!ready) reject(error);
        if (!this.closed && this.size === 0) {
          for (const q of this.queue.splice(0)) q.pending.reject(error);
        }
        this.dispatch();
      };
      worker.on('error', (e) => die(`failed: ${e instanceof Error ? e.message : String(e)}`));
      worker.on('exit', (code) => die(`exited (code ${code})`));
      // Idle until its set-up comes (after the listeners: adding one refs the thread again).
      if (setUpLater) worker.unref();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let best: Slot<Res> | undefined;
      for (const slot of this.slots) {
        if (!slot.alive || slot.pending.size >= this.inFlight) continue;
        if (best === undefined || slot.pending.size < best.pending.size) best = slot;
      }
      if (best === undefined) return;
      const task = this.queue.shift()!;
      best.pending.set(task.id, task.pending);
      best.worker.ref();
      try {
        best.worker.postMessage({ id: task.id, request: task.request } satisfies TaskRequest<Req>, [
          ...task.transfer,
        ]);
      } catch (error) {
        best.pending.delete(task.id);
        task.pending.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }
}

function checkPoolSize(options: { size: number; label: string }): void {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new UsageError(`${options.label}: pool size must be >= 1, got ${options.size}`);
  }
}
