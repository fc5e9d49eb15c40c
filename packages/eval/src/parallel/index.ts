/**
 * MaxBoxAcc / MaxBoxAccV2 over many in-memory score maps on several threads: batches of maps
 * (their buffers transferred) go to eval's worker pool (score-pool.ts, a core `TaskPool`), each
 * batch is scored by an evaluator of its own and its counters come back to be merged here. The
 * counters are integers, so the result is identical to one BoxAccuracyEvaluator fed every map on
 * the calling thread.
 */
import { type Box, UsageError } from '@cam-localize/core';
import { defaultPoolSize } from '@cam-localize/core/workers';
import {
  BoxAccuracyEvaluator,
  type BoxAccuracyOptions,
  type BoxAccuracyResult,
} from '../evaluators/box-accuracy.js';
import {
  resolveWorkers,
  type ScoreBatch,
  type ScorePool,
  scoreOnPool,
  startScorePool,
} from './score-pool.js';
import type { MapJob, ScoreInit, ScoreResponse } from './score-task.js';

export { workerFlavour } from './ts-hooks.js';

/** The default number of worker threads: core's `defaultPoolSize()`, max(2, cores - 1). */
export const defaultWorkers = defaultPoolSize;

/** One image: its score map in the evaluation frame (values in [0, 1]) and ground-truth boxes. */
export interface ParallelMapJob {
  map: { width: number; height: number; data: Float32Array | Float64Array };
  gtBoxes: readonly Box[];
}

export interface ScoreMapsParallelOptions extends Partial<BoxAccuracyOptions> {
  /**
   * Worker threads. Default max(2, cores - 1); 0 scores on the calling thread, no Worker (at most
   * one thread per job).
   */
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
  /** Worker threads used (0: the calling thread). */
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
    throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  return batchSize;
}

function initFor(evaluator: BoxAccuracyEvaluator): ScoreInit {
  return {
    options: {
      thresholds: evaluator.thresholds,
      iouThresholds: [...evaluator.iouThresholds],
      multiContour: evaluator.multiContour,
    },
  };
}

/** Hands out `jobs` in batches of `batchSize` maps, copied (or transferred) as `transfer` says. */
function batches(
  jobs: readonly ParallelMapJob[],
  batchSize: number,
  transfer: boolean,
): () => ScoreBatch<undefined> | undefined {
  let next = 0;
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
    return { request: { kind: 'maps', first, maps }, transfer: buffers, tag: undefined };
  };
}

/** Adds a batch's counters to `evaluator`. */
function merging(evaluator: BoxAccuracyEvaluator): (response: ScoreResponse) => void {
  return (response) => evaluator.mergeState(response.state!);
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
  const workers = Math.min(resolveWorkers(options.workers), jobs.length);
  const batchSize = batchSizeOf(options);
  const evaluator = evaluatorFor(options);
  if (workers === 0) {
    scoreInProcess(evaluator, jobs);
    return { ...evaluator.compute(), workers: 0 };
  }
  const pool = await startScorePool(workers, initFor(evaluator));
  try {
    await scoreOnPool(pool, batches(jobs, batchSize, options.transfer === true), merging(evaluator));
  } finally {
    await pool.close();
  }
  return { ...evaluator.compute(), workers };
}

/**
 * Worker threads kept across calls, for scoring several sets of maps with the same settings
 * without paying thread start-up and JIT warm-up each time. `score()` calls run one after the
 * other; idle threads do not keep the process alive, but `close()` ends them. A call whose worker
 * died replaces the threads on the next one. With workers = 0 everything runs on the calling thread.
 */
export class BoxAccuracyPool {
  readonly workers: number;
  private readonly options: ScoreMapsParallelOptions;
  private readonly batchSize: number;
  private pool: Promise<ScorePool> | undefined;
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
    await this.started();
  }

  /** The metrics of `jobs` alone (each call starts from zero), as `scoreMapsParallel`. */
  score(jobs: readonly ParallelMapJob[]): Promise<ScoreMapsParallelResult> {
    const run = this.queue.then(() => this.scoreNow(jobs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async started(): Promise<ScorePool | undefined> {
    if (this.closed) throw new UsageError('this BoxAccuracyPool is closed');
    if (this.workers === 0) return undefined;
    if (this.pool === undefined) {
      const starting = startScorePool(this.workers, initFor(evaluatorFor(this.options)));
      this.pool = starting;
      starting.catch(() => {
        if (this.pool === starting) this.pool = undefined;
      });
    }
    return this.pool;
  }

  private async scoreNow(jobs: readonly ParallelMapJob[]): Promise<ScoreMapsParallelResult> {
    const evaluator = evaluatorFor(this.options);
    const pool = await this.started();
    if (pool === undefined) {
      scoreInProcess(evaluator, jobs);
      return { ...evaluator.compute(), workers: 0 };
    }
    try {
      await scoreOnPool(
        pool,
        batches(jobs, this.batchSize, this.options.transfer === true),
        merging(evaluator),
      );
    } catch (e) {
      // A map that cannot be scored leaves the threads sound; a thread that died does not.
      if (pool.size < this.workers) {
        this.pool = undefined;
        await pool.close();
      }
      throw e;
    }
    return { ...evaluator.compute(), workers: pool.size };
  }

  /** Ends the threads (after any call in progress). */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const pool = this.pool;
    this.pool = undefined;
    if (pool !== undefined) await (await pool.catch(() => undefined))?.close();
  }
}
