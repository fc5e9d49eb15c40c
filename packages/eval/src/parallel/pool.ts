/**
 * A small pool of eval worker threads (worker.ts). Batches are handed out on demand (at most two
 * in flight per worker, so a slow batch does not hold the others back); each worker runs its own
 * BoxAccuracyEvaluator and posts its state when told to finish; the caller merges the states.
 * Counters are integers, so the merged result does not depend on which worker saw which map.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { DataError, describeError, UsageError } from '@cam-localize/core';
import { reviveError } from '@cam-localize/core/workers';
import type { BoxAccuracyState } from '../evaluators/box-accuracy.js';
import { startEvalWorker } from './ts-hooks.js';
import type { FileOutcome, FromWorker, ToWorker, WorkerInit } from './worker-messages.js';

export type { Worker };

/** The default number of workers: min(2, os.availableParallelism()). */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/** Validates a `workers` option (a positive integer), or returns the default. */
export function resolveWorkers(workers: number | undefined): number {
  if (workers === undefined) return defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new UsageError('E_USAGE', `workers must be a positive integer, got ${workers}`);
  }
  return workers;
}

export interface PoolBatch {
  message: Extract<ToWorker, { type: 'maps' | 'files' }>;
  transfer: ArrayBuffer[];
}

export interface PoolRun {
  workers: number;
  init: WorkerInit;
  /** The next batch (its message id must be unique), or undefined when there is none left. */
  next: () => PoolBatch | undefined;
  /** Called, in completion order, when a batch is done. */
  onDone?: (id: number, outcomes: FileOutcome[] | undefined) => void;
}

const IN_FLIGHT = 2;

function workerFailure(w: number, what: string, cause?: unknown): DataError {
  return new DataError('E_DATASET', `eval worker thread ${w} ${what}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'pass workers: 1 to score on the calling thread',
  });
}

/** Starts `count` eval worker threads and waits until each has loaded its modules. */
export async function startThreads(count: number, init: WorkerInit): Promise<Worker[]> {
  const threads: Worker[] = [];
  try {
    for (let w = 0; w < count; w++) threads.push(startEvalWorker(init));
    await Promise.all(
      threads.map(
        (thread, w) =>
          new Promise<void>((resolve, reject) => {
            const cleanup = () => {
              thread.off('message', onMessage);
              thread.off('error', onError);
              thread.off('exit', onExit);
            };
            const onMessage = (m: FromWorker) => {
              if (m.type !== 'pong') return;
              cleanup();
              resolve();
            };
            const onError = (e: unknown) => {
              cleanup();
              reject(workerFailure(w, `failed to start: ${describeError(e)}`, e));
            };
            const onExit = (code: number) => {
              cleanup();
              reject(workerFailure(w, `exited (code ${code}) while starting`));
            };
            thread.on('message', onMessage);
            thread.on('error', onError);
            thread.on('exit', onExit);
            thread.postMessage({ type: 'ping' } satisfies ToWorker);
          }),
      ),
    );
  } catch (e) {
    await Promise.all(threads.map((t) => t.terminate()));
    throw e;
  }
  return threads;
}

/**
 * Runs every batch on started threads (each evaluator starts from zero and is reset after
 * posting its state, so threads can be reused); resolves with each thread's evaluator state.
 * The threads are left running, also on failure (the caller terminates them then: a failed
 * worker stays idle).
 */
export async function runOnThreads(threads: Worker[], run: PoolRun): Promise<BoxAccuracyState[]> {
  let settled = false;
  let exhausted = false;
  const detach: (() => void)[] = [];
  try {
    return await new Promise<BoxAccuracyState[]>((resolve, reject) => {
      const results: (BoxAccuracyState | undefined)[] = new Array(threads.length);
      let finished = 0;
      const feeds: (() => void)[] = [];
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      threads.forEach((thread, w) => {
        let inFlight = 0;
        let finishing = false;
        const feed = () => {
          while (!settled && !exhausted && inFlight < IN_FLIGHT) {
            let batch: PoolBatch | undefined;
            try {
              batch = run.next();
            } catch (e) {
              fail(e instanceof Error ? e : new Error(String(e)));
              return;
            }
            if (batch === undefined) {
              exhausted = true;
              break;
            }
            inFlight++;
            thread.postMessage(batch.message, batch.transfer);
          }
          if (!settled && exhausted && inFlight === 0 && !finishing) {
            finishing = true;
            thread.postMessage({ type: 'finish' } satisfies ToWorker);
          }
        };
        const onMessage = (m: FromWorker) => {
          if (settled) return;
          if (m.type === 'done') {
            inFlight--;
            try {
              run.onDone?.(m.id, m.outcomes);
            } catch (e) {
              fail(e instanceof Error ? e : new Error(String(e)));
              return;
            }
            feed();
          } else if (m.type === 'failed') {
            fail(reviveError(m.error, { thread: 'an eval worker thread' }));
          } else if (m.type === 'state') {
            results[w] = m.state;
            if (++finished === threads.length) {
              settled = true;
              resolve(results as BoxAccuracyState[]);
            }
          }
        };
        const onError = (e: unknown) => fail(workerFailure(w, `failed: ${describeError(e)}`, e));
        const onExit = (code: number) => fail(workerFailure(w, `exited (code ${code}) before it finished`));
        thread.on('message', onMessage);
        thread.on('error', onError);
        thread.on('exit', onExit);
        thread.ref();
        feeds.push(feed);
        detach.push(() => {
          thread.off('message', onMessage);
          thread.off('error', onError);
          thread.off('exit', onExit);
          thread.unref();
        });
      });
      // Feeding starts once every listener is attached.
      for (const feed of feeds) feed();
    });
  } finally {
    settled = true;
    for (const d of detach) d();
  }
}

/** Starts `run.workers` threads, runs every batch, terminates the threads. */
export async function runPool(run: PoolRun): Promise<BoxAccuracyState[]> {
  const threads = await startThreads(run.workers, run.init);
  try {
    return await runOnThreads(threads, run);
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
