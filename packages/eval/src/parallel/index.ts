/**
 * MaxBoxAcc / MaxBoxAccV2 over many in-memory score maps on several threads
 * (node:worker_threads). Each worker runs its own BoxAccuracyEvaluator over the maps it is sent
 * (batches of maps, their buffers transferred) and posts its state at the end; the calling thread
 * merges the states. The counters are integers, so the result is identical to one
 * BoxAccuracyEvaluator fed every map on the calling thread.
 */
import { type Box, UsageError } from '@cam-localize/core';
import {
  BoxAccuracyEvaluator,
  type BoxAccuracyOptions,
  type BoxAccuracyResult,
} from '../evaluators/box-accuracy.js';
import { type PoolBatch, resolveWorkers, runOnThreads, runPool, startThreads, type Worker } from './pool.js';
import type { MapJob, WorkerInit } from './worker-messages.js';

export { defaultWorkers } from './pool.js';
export { workerFlavour } from './ts-hooks.js';

/** One image: its score map in the evaluation frame (values in [0, 1]) and ground-truth boxes. */
export interface ParallelMapJob {
  map: { width: number; height: number; data: Float32Array | Float64Array };
  gtBoxes: readonly Box[];
}

export interface ScoreMapsParallelOptions extends Partial<BoxAccuracyOptions> {
  /** Threads. Default min(2, os.availableParallelism()); 1 scores on the calling thread, no Worker. */
  workers?: number;
  /** Maps per message to a worker. Default 16. */
  batchSize?: number;
  /**
   * true: the maps' buffers are transferred to the workers as they are (the caller's maps are
   * detached afterwards; a map that is a view into a larger buffer is still copied). Default false:
   * each map is copied once, and the copy is transferred.
   */
  transfer?: boolean;
}

export interface ScoreMapsParallelResult extends BoxAccuracyResult {
  /** Threads used (1: the calling thread). */
  workers: number;
}

function mapData(data: Float32Array | Float64Array, transfer: boolean): Float32Array | Float64Array {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  if (transfer && whole && data.buffer instanceof ArrayBuffer) return data;
  return data.slice();
}

function evaluatorFor(options: ScoreMapsParallelOptions): BoxAccuracyEvaluator {
  return new BoxAccuracyEvaluator({
    multiContour: options.multiContour ?? true,
    ...(options.thresholds === undefined ? {} : { thresholds: options.thresholds }),
    ...(options.iouThresholds === undefined ? {} : { iouThresholds: options.iouThresholds }),
  });
}

function batchSizeOf(options: ScoreMapsParallelOptions): number {
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UsageError('E_USAGE', `batchSize must be a positive integer, got ${batchSize}`);
  }
  return batchSize;
}

function initFor(evaluator: BoxAccuracyEvaluator): WorkerInit {
  return {
    options: {
      thresholds: evaluator.thresholds,
      iouThresholds: [...evaluator.iouThresholds],
      multiContour: evaluator.multiContour,
    },
    size: 0,
  };
}

/** Hands out `jobs` in batches of `batchSize` maps, copied (or transferred) as `transfer` says. */
function batches(
  jobs: readonly ParallelMapJob[],
  batchSize: number,
  transfer: boolean,
): () => PoolBatch | undefined {
  let next = 0;
  let id = 0;
  return () => {
    if (next >= jobs.length) return undefined;
    const first = next;
    const end = Math.min(jobs.length, next + batchSize);
    const maps: MapJob[] = [];
    const buffers: ArrayBuffer[] = [];
    for (; next < end; next++) {
      const job = jobs[next]!;
      const data = mapData(job.map.data, transfer);
      maps.push({ width: job.map.width, height: job.map.height, data, gtBoxes: [...job.gtBoxes] });
      if (!buffers.includes(data.buffer as ArrayBuffer)) buffers.push(data.buffer as ArrayBuffer);
    }
    return { message: { type: 'maps', id: id++, first, maps }, transfer: buffers };
  };
}

function scoreInProcess(evaluator: BoxAccuracyEvaluator, jobs: readonly ParallelMapJob[]): void {
  jobs.forEach((job, i) => {
    try {
      evaluator.accumulateValues(job.map.data, job.map.width, job.map.height, job.gtBoxes);
    } catch (e) {
      if (e instanceof Error) e.message = `job ${i}: ${e.message}`;
      throw e;
    }
  });
}

/**
 * MaxBoxAcc (multiContour false) or MaxBoxAccV2 (default: multiContour true, IoU 30/50/70) of
 * `jobs` on `workers` threads, started for this call and terminated at its end (see
 * `BoxAccuracyPool` to keep warm threads across calls). A map that cannot be scored (values
 * outside [0, 1], wrong size, no ground-truth box) rejects with the evaluator's error class, its
 * message prefixed with `job <index>: `; a worker that dies rejects with a DataError.
 */
export async function scoreMapsParallel(
  jobs: readonly ParallelMapJob[],
  options: ScoreMapsParallelOptions = {},
): Promise<ScoreMapsParallelResult> {
  const workers = Math.min(resolveWorkers(options.workers), Math.max(1, jobs.length));
  const batchSize = batchSizeOf(options);
  const evaluator = evaluatorFor(options);
  if (workers === 1) {
    scoreInProcess(evaluator, jobs);
    return { ...evaluator.compute(), workers: 1 };
  }
  const states = await runPool({
    workers,
    init: initFor(evaluator),
    next: batches(jobs, batchSize, options.transfer === true),
  });
  for (const state of states) evaluator.mergeState(state);
  return { ...evaluator.compute(), workers };
}

/**
 * Worker threads kept across calls, for scoring several sets of maps with the same settings
 * without paying thread start-up and JIT warm-up each time. `score()` calls run one after the
 * other; idle threads do not keep the process alive, but `close()` ends them. After a failed call
 * the threads are replaced on the next one. With workers = 1 everything runs on the calling thread.
 */
export class BoxAccuracyPool {
  readonly workers: number;
  private readonly options: ScoreMapsParallelOptions;
  private readonly batchSize: number;
  private threads: Promise<Worker[]> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: ScoreMapsParallelOptions = {}) {
    this.workers = resolveWorkers(options.workers);
    this.batchSize = batchSizeOf(options);
    evaluatorFor(options); // validates the settings now
    this.options = { ...options };
  }

  /** Starts the threads (if not yet) and waits until they are ready; `score()` does it too. */
  async start(): Promise<void> {
    if (this.closed) throw new UsageError('E_USAGE', 'this BoxAccuracyPool is closed');
    if (this.workers === 1) return;
    if (this.threads === undefined) {
      const started = startThreads(this.workers, initFor(evaluatorFor(this.options)));
      this.threads = started;
      started.then(
        (threads) => {
          for (const t of threads) {
            t.unref();
            t.once('exit', () => {
              if (this.threads === started) this.threads = undefined;
            });
          }
        },
        () => {
          if (this.threads === started) this.threads = undefined;
        },
      );
    }
    await this.threads;
  }

  /** The metrics of `jobs` alone (each call starts from zero), as `scoreMapsParallel`. */
  score(jobs: readonly ParallelMapJob[]): Promise<ScoreMapsParallelResult> {
    const run = this.queue.then(() => this.scoreNow(jobs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async scoreNow(jobs: readonly ParallelMapJob[]): Promise<ScoreMapsParallelResult> {
    const evaluator = evaluatorFor(this.options);
    if (this.workers === 1) {
      if (this.closed) throw new UsageError('E_USAGE', 'this BoxAccuracyPool is closed');
      scoreInProcess(evaluator, jobs);
      return { ...evaluator.compute(), workers: 1 };
    }
    await this.start();
    const threads = await this.threads!;
    try {
      const states = await runOnThreads(threads, {
        workers: threads.length,
        init: initFor(evaluator),
        next: batches(jobs, this.batchSize, this.options.transfer === true),
      });
      for (const state of states) evaluator.mergeState(state);
    } catch (e) {
      // A failed worker stays idle and others may still hold batches: start afresh next time.
      this.threads = undefined;
      await Promise.all(threads.map((t) => t.terminate()));
      throw e;
    }
    return { ...evaluator.compute(), workers: threads.length };
  }

  /** Ends the threads (after any call in progress). */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const threads = this.threads;
    this.threads = undefined;
    if (threads !== undefined) {
      const started = await threads.catch(() => [] as Worker[]);
      await Promise.all(started.map((t) => t.terminate()));
    }
  }
}
