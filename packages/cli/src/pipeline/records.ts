import type { ScoreKind } from '@cam-localize/core';
import type { PxapRecord } from '@cam-localize/eval';
import type { FaithfulnessJson } from './faithfulness-step.js';
import type { ImageRecordBase } from './run-dir.js';

export type JsonBox = [number, number, number, number];

/** One class's CAM result for an image. */
export interface ClassResult {
  readonly class: number;
  readonly name?: string;
  /** Boxes in original image pixels (pixel-edge coordinates). */
  readonly boxes: JsonBox[];
  /** Best IoU of those boxes with the ground truth (in the evaluation's frame and convention). */
  readonly iou?: number;
}

/** The localization decisions for one image, as the evaluator made them. */
export interface LocDecisions {
  readonly gtKnownLoc: boolean;
  readonly top1Loc: boolean;
  readonly topKLoc: boolean;
  readonly top1Cls: boolean;
  readonly topKCls: boolean;
  readonly predictedClassLoc: boolean;
}

/** A line of results.jsonl written by `run`. */
export interface RunRecord extends ImageRecordBase {
  readonly file: string;
  readonly width?: number;
  readonly height?: number;
  readonly gtClass?: number;
  readonly gtName?: string;
  readonly gtBoxes?: JsonBox[];
  /** The top classes, best first. */
  readonly top?: { class: number; name?: string; score: number }[];
  /** What `top[].score` is: the model's logits, or probabilities (a final Softmax, --scores probability). */
  readonly scoreKind?: ScoreKind;
  /** CAM of the top-1 class. */
  readonly predicted?: ClassResult;
  /** CAM of the ground-truth class (same as `predicted` when the model is right). */
  readonly groundTruth?: ClassResult;
  /** Further CAM targets asked for with --target (topk:K, a class). */
  readonly targets?: ClassResult[];
  readonly loc?: LocDecisions;
  /**
   * For MaxBoxAcc: per IoU level (percent, as a string key), the threshold-index ranges [start, end)
   * where this image's best box reaches that IoU. Enough to replay the evaluator exactly.
   */
  readonly boxAcc?: Record<string, [number, number][]>;
  /** PxAP histograms of the scored map over the image's ground-truth mask (mask datasets). */
  readonly pxap?: PxapRecord;
  /** Ground-truth boxes that reached outside the image and were clipped to it. */
  readonly clippedBoxes?: number;
  /** Degenerate ground-truth boxes, scored as given: of zero area, and wholly outside the image. */
  readonly zeroAreaBoxes?: number;
  readonly outsideBoxes?: number;
  /** What ground truth the image lacked (it then counts in no metric). */
  readonly missingGroundTruth?: string[];
  /** --faithfulness: the metrics of the predicted class's map. */
  readonly faithfulness?: FaithfulnessJson;
  readonly timing?: { prepareMs: number; inferMs: number; camMs: number };
}

/** One target class of a `predict` record: its score and boxes (no ground truth to judge them by). */
export interface PredictedClass {
  readonly class: number;
  readonly name?: string;
  readonly score: number;
  /** Boxes in original image pixels (pixel-edge coordinates). */
  readonly boxes: JsonBox[];
}

/** A line of results.jsonl written by `predict` (a failed image has run's error shape). */
export interface PredictRecord extends ImageRecordBase {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** The top classes, best first. */
  readonly top: { class: number; name?: string; score: number }[];
  /** What the scores of `top` and `targets` are: logits, or probabilities. */
  readonly scoreKind?: ScoreKind;
  readonly targets: PredictedClass[];
  readonly timing?: { prepareMs: number; inferMs: number; camMs: number };
}
