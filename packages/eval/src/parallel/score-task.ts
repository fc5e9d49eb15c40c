/**
 * The scoring task of eval's worker threads (a core `TaskPool` task module, like core's prepare
 * task): one task is one batch of images, and each batch is accumulated into evaluators of its
 * own, whose counters go back for the calling thread to merge. Two kinds: in-memory maps scored
 * for MaxBoxAcc (a `BoxAccuracyState` back: `scoreMapsParallel`, `BoxAccuracyPool`), and score-map
 * files the worker reads, resizes and normalises itself, scored by every 'maps' row of the table
 * (each row's `state()`, plain JSON, back by row name: `scoreCamDirectory`, cam-scoring/). The
 * counters are integers, so the merged result does not depend on which worker saw which batch,
 * nor in which order. Served by score-worker.ts; everything here is structured-clone friendly.
 */
import { type Box, resampleScoreMap, UsageError } from '@cam-localize/core';
import type { TaskResult } from '@cam-localize/core/workers';
import {
  type CamJob,
  loadMetricTable,
  type MetricTableModule,
  scoreCamJob,
} from '../cam-scoring/score-map.js';
import type { MapOutcome } from '../cam-scoring/tally.js';
import { BoxAccuracyEvaluator, type BoxAccuracyState } from '../evaluators/box-accuracy.js';
import type { MetricSettings } from '../metrics/evaluator.js';
import { MetricSet, type MetricTable } from '../metrics/table.js';

/** Settings of each batch's BoxAccuracyEvaluator. */
export interface ScoreEvaluatorOptions {
  thresholds?: Float64Array;
  iouThresholds: number[];
  multiContour: boolean;
}

/** What the workers of `scoreCamDirectory` build each batch's evaluators from. */
export interface ScoreCamInit {
  /** The settings of every row's evaluator (`command: 'eval'`: the 'maps' rows). */
  settings: MetricSettings;
  /** The table's module; default eval's `METRICS`. */
  module?: MetricTableModule;
  /** Evaluation frame size (scoreCamDirectory's `size`). */
  size: number;
}

/** The set-up every scoring worker gets once: for map batches, or for file batches. */
export interface ScoreInit {
  options?: ScoreEvaluatorOptions;
  cams?: ScoreCamInit;
}

/** One in-memory map and its ground truth, as sent to a worker. */
export interface MapJob {
  width: number;
  height: number;
  data: Float32Array | Float64Array;
  gtBoxes: Box[];
}

/** A batch: maps (`first` is the index of the first, for messages), or files. */
export type ScoreRequest =
  | { kind: 'maps'; first: number; maps: MapJob[] }
  | { kind: 'files'; files: CamJob[] };

export interface ScoreResponse {
  /** Map batches: the batch's counters alone. */
  state?: BoxAccuracyState;
  /** File batches: each row's state of the batch alone, by row name (plain JSON). */
  states?: Record<string, unknown>;
  /** Per file, in the order sent (file batches only; per-file problems are reported, never thrown). */
  outcomes?: MapOutcome[];
}

/** The evaluator every batch starts from. */
export function scoreEvaluator(options: ScoreEvaluatorOptions): BoxAccuracyEvaluator {
  return new BoxAccuracyEvaluator({
    multiContour: options.multiContour,
    iouThresholds: options.iouThresholds,
    ...(options.thresholds === undefined ? {} : { thresholds: options.thresholds }),
  });
}

/** Sets up a worker for scoring batches and returns the handler of one batch. */
export async function createScoreTask(
  init: ScoreInit,
): Promise<(request: ScoreRequest) => Promise<TaskResult<ScoreResponse>>> {
  const table = init.cams === undefined ? undefined : await loadMetricTable(init.cams.module);
  return async (request) => {
    if (request.kind === 'files') {
      if (init.cams === undefined || table === undefined) throw new UsageError('no table set up');
      return { result: await scoreFiles(init.cams, table, request.files), transfer: [] };
    }
    if (init.options === undefined) throw new UsageError('no box-accuracy settings set up');
    const evaluator = scoreEvaluator(init.options);
    scoreMaps(evaluator, request.maps, request.first);
    const state = evaluator.state();
    return {
      result: { state },
      transfer: [state.correct.buffer as ArrayBuffer, state.thresholds.buffer as ArrayBuffer],
    };
  };
}

/** A map that cannot be scored throws the evaluator's error, its message prefixed `job <index>: `. */
function scoreMaps(evaluator: BoxAccuracyEvaluator, maps: readonly MapJob[], first: number): void {
  maps.forEach((job, i) => {
    try {
      evaluator.accumulateValues(job.data, job.width, job.height, job.gtBoxes);
    } catch (e) {
      if (e instanceof Error) e.message = `job ${first + i}: ${e.message}`;
      throw e;
    }
  });
}

/** The batch's files, each scored by every 'maps' row, and the rows' states of the batch. */
async function scoreFiles(
  init: ScoreCamInit,
  table: MetricTable,
  files: readonly CamJob[],
): Promise<ScoreResponse> {
  const set = new MetricSet(init.settings, { table });
  const frame = { size: init.size, resample: resampleScoreMap };
  const outcomes: MapOutcome[] = [];
  for (const job of files) outcomes.push(await scoreCamJob(set, job, frame));
  return { states: set.states(), outcomes };
}
