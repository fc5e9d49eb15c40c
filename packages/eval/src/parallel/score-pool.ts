/**
 * eval's worker threads: core's `TaskPool` serving the scoring task (score-task.ts). `workers`
 * follows core's convention, as `--workers` does: the number of worker threads, 0 scoring on the
 * calling thread, default `defaultPoolSize()` (max(2, cores - 1)).
 */
import { checkWorkerCount, defaultPoolSize, TaskPool } from '@cam-localize/core/workers';
import type { ScoreInit, ScoreRequest, ScoreResponse } from './score-task.js';

export type ScorePool = TaskPool<ScoreRequest, ScoreResponse>;

/** Batches in flight per worker: one being scored, one waiting, so a slow batch holds no other back. */
const BATCHES_PER_WORKER = 2;

/** Checks a `workers` option (a whole number >= 0), or returns the default. */
export function resolveWorkers(workers: number | undefined): number {
  return workers === undefined ? defaultPoolSize() : checkWorkerCount(workers);
}

/** Starts `workers` scoring threads and waits until each is ready. */
export function startScorePool(workers: number, init: ScoreInit): Promise<ScorePool> {
  return TaskPool.start<ScoreRequest, ScoreResponse>({
    callerUrl: import.meta.url,
    module: 'score-worker',
    size: workers,
    workerData: init,
    inFlight: BATCHES_PER_WORKER,
    label: 'the eval workers',
  });
}

/** One batch for the pool, with what the caller needs back when it is done. */
export interface ScoreBatch<Tag> {
  readonly request: ScoreRequest;
  readonly transfer: ArrayBuffer[];
  readonly tag: Tag;
}

/**
 * Scores every batch `next` gives (pulled as workers free up, so the caller's maps are copied only
 * as they go), calling `onDone` (which merges the batch's counters) in completion order. Rejects
 * with the first failure, `onDone`'s included; batches still in flight then finish unobserved (or
 * are rejected by the pool's close).
 */
export function scoreOnPool<Tag>(
  pool: ScorePool,
  next: () => ScoreBatch<Tag> | undefined,
  onDone: (response: ScoreResponse, tag: Tag) => void,
): Promise<void> {
  const window = BATCHES_PER_WORKER * Math.max(1, pool.size);
  return new Promise<void>((resolve, reject) => {
    let inFlight = 0;
    let exhausted = false;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const done = (response: ScoreResponse, tag: Tag) => {
      inFlight--;
      if (failed) return;
      try {
        onDone(response, tag);
      } catch (error) {
        fail(error);
        return;
      }
      feed();
    };
    const feed = () => {
      while (!failed && !exhausted && inFlight < window) {
        let batch: ScoreBatch<Tag> | undefined;
        try {
          batch = next();
        } catch (error) {
          fail(error);
          return;
        }
        if (batch === undefined) {
          exhausted = true;
          break;
        }
        inFlight++;
        const { tag } = batch;
        pool.run(batch.request, batch.transfer).then(
          (response) => done(response, tag),
          (error: unknown) => {
            inFlight--;
            fail(error);
          },
        );
      }
      if (!failed && exhausted && inFlight === 0) resolve();
    };
    feed();
  });
}
