/**
 * The scoring task of eval's worker threads (a core `TaskPool` task module, like core's prepare
 * task): one task is one batch of images, in-memory maps or score-map files the worker reads,
 * resizes and normalises itself, accumulated into an evaluator of its own; the batch's counters
 * come back as a `BoxAccuracyState` for the calling thread to merge. The counters are integers, so
 * the merged result does not depend on which worker saw which batch, nor in which order. Served by
 * score-worker.ts; everything here is structured-clone friendly.
 */
import { type Box, describeError, resampleScoreMap } from '@cam-localize/core';
import type { TaskResult } from '@cam-localize/core/workers';
import { BoxAccuracyEvaluator, type BoxAccuracyState } from '../evaluators/box-accuracy.js';
import { type CamFileProblemKind, loadCamForEval, type SharedStem } from './cam-file.js';

/** Settings of each batch's BoxAccuracyEvaluator. */
export interface ScoreEvaluatorOptions {
  thresholds?: Float64Array;
  iouThresholds: number[];
  multiContour: boolean;
}

/** The set-up every scoring worker gets once. */
export interface ScoreInit {
  options: ScoreEvaluatorOptions;
  /** Evaluation frame size (scoreCamDirectory's `size`), for file batches. */
  size: number;
}

/** One in-memory map and its ground truth, as sent to a worker. */
export interface MapJob {
  width: number;
  height: number;
  data: Float32Array | Float64Array;
  gtBoxes: Box[];
}

/** One image of scoreCamDirectory: the worker reads, resizes, normalises and scores the file. */
export interface FileJob {
  id: string;
  /** Score-map files to try, in order (scoreMapPathCandidates). */
  candidates: string[];
  /** Ground-truth boxes already in the evaluation frame. */
  gtBoxes: Box[];
  /** The `<stem>.npy` this image may not use because other images name it too. */
  sharedStem?: SharedStem;
}

/** What became of a FileJob (per-file problems are reported, never thrown). */
export interface FileOutcome {
  problem?: { file: string; kind: CamFileProblemKind; message: string };
  scored: boolean;
  resized: boolean;
  /** The map held a NaN or infinite value and was zeroed. */
  nonFinite?: boolean;
}

/** A batch: maps (`first` is the index of the first, for messages), or files. */
export type ScoreRequest =
  | { kind: 'maps'; first: number; maps: MapJob[] }
  | { kind: 'files'; files: FileJob[] };

export interface ScoreResponse {
  /** The batch's counters alone. */
  state: BoxAccuracyState;
  /** Per file, in the order sent (file batches only). */
  outcomes?: FileOutcome[];
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
  return async (request) => {
    const evaluator = scoreEvaluator(init.options);
    const outcomes =
      request.kind === 'maps'
        ? scoreMaps(evaluator, request.maps, request.first)
        : await scoreFiles(evaluator, request.files, init.size);
    const state = evaluator.state();
    return {
      result: { state, ...(outcomes === undefined ? {} : { outcomes }) },
      transfer: [state.correct.buffer as ArrayBuffer, state.thresholds.buffer as ArrayBuffer],
    };
  };
}

/** A map that cannot be scored throws the evaluator's error, its message prefixed `job <index>: `. */
function scoreMaps(evaluator: BoxAccuracyEvaluator, maps: readonly MapJob[], first: number): undefined {
  maps.forEach((job, i) => {
    try {
      evaluator.accumulateValues(job.data, job.width, job.height, job.gtBoxes);
    } catch (e) {
      if (e instanceof Error) e.message = `job ${first + i}: ${e.message}`;
      throw e;
    }
  });
  return undefined;
}

async function scoreFiles(
  evaluator: BoxAccuracyEvaluator,
  files: readonly FileJob[],
  size: number,
): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const job of files) {
    const loaded = await loadCamForEval(job.candidates, size, resampleScoreMap, job.sharedStem);
    if (!loaded.ok) {
      outcomes.push({ problem: loaded.problem, scored: false, resized: false });
      continue;
    }
    try {
      evaluator.accumulateValues(loaded.normalized, loaded.width, loaded.height, job.gtBoxes);
      outcomes.push({ scored: true, resized: loaded.resized, nonFinite: loaded.nonFinite });
    } catch (e) {
      outcomes.push({
        problem: { file: loaded.file, kind: 'corrupt', message: describeError(e) },
        scored: false,
        resized: loaded.resized,
      });
    }
  }
  return outcomes;
}
