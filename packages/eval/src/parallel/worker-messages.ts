/**
 * Messages between `scoreMapsParallel` / `scoreCamDirectory` and their worker threads
 * (worker.ts). Everything here is structured-clone friendly; score maps travel as transferred
 * typed arrays, evaluators come back as `BoxAccuracyState`.
 */
import type { Box } from '@cam-localize/core';
import type { SerializedError } from '@cam-localize/core/workers';
import type { BoxAccuracyState } from '../evaluators/box-accuracy.js';
import type { CamFileProblemKind, SharedStem } from './cam-file.js';

/** Settings of the worker's BoxAccuracyEvaluator. */
export interface WorkerEvaluatorOptions {
  thresholds?: Float64Array;
  iouThresholds: number[];
  multiContour: boolean;
}

export interface WorkerInit {
  options: WorkerEvaluatorOptions;
  /** Evaluation frame size (scoreCamDirectory's `size`), for file jobs. */
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

export type ToWorker =
  | { type: 'maps'; id: number; first: number; maps: MapJob[] }
  | { type: 'files'; id: number; files: FileJob[] }
  | { type: 'finish' }
  | { type: 'ping' };

export type FromWorker =
  | { type: 'done'; id: number; outcomes?: FileOutcome[] }
  | { type: 'state'; state: BoxAccuracyState }
  | { type: 'pong' }
  | { type: 'failed'; id: number; error: SerializedError };
