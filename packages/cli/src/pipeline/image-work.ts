/**
 * What `run` and `predict` do to one image after its forward pass: the command's record maker
 * (run-image-record.ts: CAMs, boxes, evaluation; predict-image-record.ts: CAMs and boxes), with
 * the maps and overlays each writes. The same code runs on the pipeline's worker threads (CAMs
 * from the head's weights) and on the main thread (methods that need the session, or
 * `--workers 0`), so the records are identical whichever thread made them.
 */
import { type CamOnDevice, type Inference, ModelError } from '@cam-localize/core';
import { type DeviceCamRequest, toProbabilities } from '@cam-localize/core/workers';
import { describeCliError } from '../error-messages.js';
import type { FaithfulnessSession } from './faithfulness-step.js';
import type { CamSource } from './image-evaluator.js';
import type {
  ImageRecord,
  ImageRecordMaker,
  ImageWork,
  WorkItem,
  WorkTiming,
} from './image-work-settings.js';
import { PredictImageRecords } from './predict-image-record.js';
import type { RunRecord } from './records.js';
import { RunImageRecords } from './run-image-record.js';

export type {
  CommonWork,
  ImageRecord,
  ImageWork,
  PredictWork,
  RunWork,
  WorkItem,
  WorkTiming,
} from './image-work-settings.js';

/**
 * The targets the graph computes per image under --cam-on-device: the same for every image of a
 * command, so the session gets one [N, T] tensor. -1 - j is the class ranked j + 1 (computed in
 * the graph); run adds the ground-truth class (or the top one again when an image has none).
 */
export function deviceTargets(
  work: Pick<ImageWork, 'command' | 'target'>,
  item: Pick<WorkItem, 'classIndex' | 'missingGroundTruth'>,
): number[] {
  const spec = work.target;
  const extra =
    spec.kind === 'topk'
      ? Array.from({ length: spec.k }, (_, j) => -1 - j)
      : spec.kind === 'class'
        ? [spec.index]
        : spec.kind === 'predicted' || work.command === 'run'
          ? []
          : [item.classIndex ?? -1];
  if (work.command === 'predict') return extra.length > 0 ? extra : [-1];
  const gt =
    item.classIndex !== undefined && item.classIndex >= 0 && !item.missingGroundTruth ? item.classIndex : -1;
  return [-1, gt, ...extra];
}

/** The request for CAMs in the graph that serves a command's work (`--cam-on-device`). */
export function deviceCamRequest(
  work: Pick<ImageWork, 'command' | 'target' | 'method' | 'normalization' | 'camOptions'>,
  mode: CamOnDevice,
): DeviceCamRequest {
  const sample = deviceTargets(work, {});
  return {
    mode,
    method: work.method,
    ...(work.camOptions.compat === undefined ? {} : { compat: work.camOptions.compat }),
    normalization: work.normalization,
    targets: sample.length,
    maxRank: Math.max(5, work.target.kind === 'topk' ? work.target.k : 1),
  };
}

/** Does the per-image work of one command with one CAM source (the head in a worker, or the model). */
export class ImageWorker {
  private readonly records: ImageRecordMaker;

  /** `session`: forward passes for --faithfulness (only where the session is). */
  constructor(
    readonly work: ImageWork,
    source: CamSource,
    session?: FaithfulnessSession,
  ) {
    this.records =
      work.command === 'run'
        ? new RunImageRecords(work, source, session)
        : new PredictImageRecords(work, source);
  }

  /** The record of one image; an error in its work becomes an error record (the run goes on). */
  async process(inference: Inference, item: WorkItem, timing: WorkTiming): Promise<ImageRecord> {
    const started = performance.now();
    try {
      assertFiniteScores(inference.scores, item.file);
      const record = await this.records.record(this.scaled(inference), item);
      return {
        ...record,
        scoreKind: this.work.scores.recorded,
        timing: { ...timing, camMs: performance.now() - started },
      };
    } catch (error) {
      return errorRecord(item, error);
    }
  }

  /**
   * The inference with the scores the records hold: --scores probability turns every kind into
   * probabilities, in one place, before any record, table or overlay reads them (the ranking and
   * so the targets are the same: softmax and exp keep the order).
   */
  private scaled(inference: Inference): Inference {
    const { model, recorded } = this.work.scores;
    if (model === recorded) return inference;
    return { ...inference, scores: Float32Array.from(toProbabilities(inference.scores, model)) };
  }
}

/**
 * Non-finite scores (a NaN or an infinity: e.g. a preprocessing std near 0 making infinite inputs,
 * or an overflow inside the model) fail the image: its CAMs, boxes and decisions would be made of
 * NaNs and score 0 silently. One pass over the scores.
 */
export function assertFiniteScores(scores: Float32Array, file: string): void {
  let bad = 0;
  let first = -1;
  for (let c = 0; c < scores.length; c++) {
    const score = scores[c]!;
    if (score - score !== 0) {
      bad++;
      if (first < 0) first = c;
    }
  }
  if (bad === 0) return;
  throw new ModelError(
    'E_SESSION',
    `the model gave ${bad} non-finite class score${bad === 1 ? '' : 's'} of ${scores.length} ` +
      `(class ${first}: ${scores[first]}) for this image`,
    {
      file,
      hint: 'check the preprocessing (a std near 0 makes infinite inputs: `cam-localize inspect` shows it) and the model',
    },
  );
}

/** The record of an image whose work failed. */
export function errorRecord(item: WorkItem, error: unknown): RunRecord {
  return {
    id: item.id,
    file: item.file,
    status: 'error',
    error: describeCliError(error),
  };
}
