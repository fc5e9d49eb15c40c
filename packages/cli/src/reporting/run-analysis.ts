/**
 * One streamed pass over a run's results.jsonl: the evaluators replayed (so a resumed run counts
 * every image exactly once), plus what the report's figures and galleries need: each scored
 * image's IoU, its ground-truth size class and failure mode. Memory holds one number per image
 * and a few gallery candidates, not the records.
 */

import { join } from 'node:path';
import {
  BOX_SIZES,
  BoxAccuracyEvaluator,
  type BoxAccuracyResult,
  type BoxSize,
  boxSizeOf,
  type EvaluationProtocol,
  FAILURE_RULES,
  type FailureMode,
  FaithfulnessAccumulator,
  failureModeOf,
  LocalizationAccuracyEvaluator,
  type LocalizationCounts,
  type LocalizationResult,
  largestBoxShare,
  PROTOCOLS,
  PxapEvaluator,
  TOOL_DEFAULTS,
} from '@cam-localize/eval';
import { thresholdGrid } from '@cam-localize/localize';
import { scoresFromRanges } from '../pipeline/image-evaluator.js';
import { replayPxap } from '../pipeline/pxap-record.js';
import { checkRunRecord } from '../pipeline/record-schema.js';
import type { ClassResult, RunRecord } from '../pipeline/records.js';
import { type RunConfig, readRunConfig } from '../pipeline/run-config.js';
import { RunDirectory, readLatestRecords } from '../pipeline/run-dir.js';
import { GalleryPicker } from './gallery-picks.js';
import { boxAccuracyJson, pxapOf, type RunMetrics } from './run-metrics.js';

/** Scored images per ground-truth size class, and how many of them are localized (IoU ≥ 0.5). */
export type SizeCounts = Record<BoxSize, { images: number; localized: number }>;

export interface RunAnalysis {
  readonly dir: string;
  readonly config: RunConfig;
  readonly protocol: EvaluationProtocol;
  readonly thresholds: Float64Array;
  readonly metrics: RunMetrics;
  readonly boxes: BoxAccuracyResult | undefined;
  readonly localization: LocalizationResult | undefined;
  /** Raw per-class counters (for intervals), keyed by ground-truth class. */
  readonly classCounts: Map<number, LocalizationCounts>;
  readonly classNames: Map<number, string>;
  /** The IoU of every scored image, in file order: the CAM the galleries show (see `shownOf`). */
  readonly ious: Float64Array;
  readonly bySize: SizeCounts;
  /** Images of known size: those with boxes and an image size recorded. */
  readonly sizedImages: number;
  readonly modes: Record<FailureMode, number>;
  readonly failures: { id: string; error: string }[];
  readonly picks: GalleryPicker;
}

/** The CAM an image is judged and shown by: the ground-truth class's, else the predicted class's. */
export function shownOf(record: RunRecord): ClassResult | undefined {
  return record.groundTruth ?? record.predicted;
}

/** The protocol a run was evaluated under, with the box settings its config recorded. */
export function protocolOfConfig(config: RunConfig): EvaluationProtocol {
  const base: EvaluationProtocol = PROTOCOLS[config.protocol] ?? TOOL_DEFAULTS;
  const recorded = config.boxAccuracy;
  return recorded
    ? { ...base, multiContour: recorded.multiContour, iouThresholds: recorded.iouLevels }
    : base;
}

export async function analyseRun(
  dir: string,
  options: { galleryCount: number; onRecord?: (record: RunRecord) => void },
): Promise<RunAnalysis> {
  const config = await readRunConfig(dir);
  const protocol = protocolOfConfig(config);
  const localization = new LocalizationAccuracyEvaluator({ iou: protocol.iou });
  const thresholds = thresholdGrid(protocol.thresholdInterval);
  const boxAccuracy = new BoxAccuracyEvaluator({
    thresholds,
    iouThresholds: protocol.iouThresholds,
    multiContour: protocol.multiContour,
  });
  const pxapEvaluator = new PxapEvaluator({ thresholds });
  const faithfulness = config.faithfulness ? new FaithfulnessAccumulator() : undefined;
  const warnings: RunMetrics['warnings'] = {
    missingGroundTruth: { images: 0, first: [] },
    clippedBoxes: 0,
    zeroAreaBoxes: 0,
    outsideBoxes: 0,
  };
  const counts = { total: 0, ok: 0, failed: 0, scored: 0 };
  /** Scored images whose class the model knows: without any, class-based metrics mean nothing. */
  let classified = 0;
  const failures: { id: string; error: string }[] = [];
  const classNames = new Map<number, string>();
  let ious = new Float64Array(1024);
  let iouCount = 0;
  const bySize = Object.fromEntries(BOX_SIZES.map((s) => [s, { images: 0, localized: 0 }])) as SizeCounts;
  let sizedImages = 0;
  const modes: Record<FailureMode, number> = {
    localized: 0,
    'too-small': 0,
    'too-large': 0,
    'wrong-object': 0,
    misplaced: 0,
    'no-box': 0,
  };
  const picks = new GalleryPicker(options.galleryCount);

  for await (const record of readLatestRecords<RunRecord>(join(dir, RunDirectory.RESULTS), checkRunRecord)) {
    counts.total++;
    options.onRecord?.(record);
    if (record.status !== 'ok') {
      counts.failed++;
      if (failures.length < 500) failures.push({ id: record.id, error: record.error ?? 'unknown error' });
      continue;
    }
    counts.ok++;
    if (record.gtClass !== undefined && record.gtName !== undefined)
      classNames.set(record.gtClass, record.gtName);
    if (record.loc) {
      counts.scored++;
      if (record.gtClass !== undefined && record.gtClass >= 0) classified++;
      localization.accumulateDecisions(record.gtClass ?? -1, record.loc);
    }
    if (record.pxap) replayPxap(pxapEvaluator, record.pxap);
    if (record.faithfulness) faithfulness?.add(record.faithfulness);
    warnings.clippedBoxes += record.clippedBoxes ?? 0;
    warnings.zeroAreaBoxes += record.zeroAreaBoxes ?? 0;
    warnings.outsideBoxes += record.outsideBoxes ?? 0;
    if (record.missingGroundTruth) {
      const missing = warnings.missingGroundTruth;
      missing.images++;
      if (missing.first.length < 5) missing.first.push({ id: record.id, missing: record.missingGroundTruth });
    }
    if (record.boxAcc) {
      boxAccuracy.accumulateScores(
        scoresFromRanges(record.boxAcc, protocol.iouThresholds, thresholds.length),
      );
    }
    const shown = shownOf(record);
    if (shown?.iou === undefined || !record.gtBoxes) continue;
    if (iouCount === ious.length) {
      const grown = new Float64Array(ious.length * 2);
      grown.set(ious);
      ious = grown;
    }
    ious[iouCount++] = shown.iou;
    const mode = failureModeOf(shown.boxes, record.gtBoxes, shown.iou, FAILURE_RULES);
    modes[mode]++;
    const share =
      record.width && record.height
        ? largestBoxShare(record.gtBoxes, record.width, record.height)
        : undefined;
    const size = share === undefined ? undefined : boxSizeOf(share);
    if (size !== undefined) {
      sizedImages++;
      bySize[size].images++;
      if (mode === 'localized') bySize[size].localized++;
    }
    picks.offer({ record, iou: shown.iou, share: share ?? 1, size, mode });
  }

  const loc = counts.scored > 0 ? localization.compute() : undefined;
  const boxes = boxAccuracy.imageCount > 0 ? boxAccuracy.compute() : undefined;
  const { pxap, pxapError } = pxapOf(pxapEvaluator);
  const metrics: RunMetrics = {
    protocol: protocol.name,
    images: counts,
    localization: loc
      ? {
          iouThreshold: loc.iouThreshold,
          gtKnownLoc: classified > 0 ? loc.gtKnownLoc : null,
          top1Loc: classified > 0 ? loc.top1Loc : null,
          top5Loc: classified > 0 ? loc.topKLoc : null,
          top1Cls: classified > 0 ? loc.top1Cls : null,
          top5Cls: classified > 0 ? loc.topKCls : null,
          predictedClassLoc: loc.predictedClassLoc,
        }
      : null,
    ...boxAccuracyJson(boxes, protocol.multiContour),
    boxAccuracy: boxes
      ? {
          thresholdInterval: protocol.thresholdInterval,
          multiContour: protocol.multiContour,
          iouLevels: protocol.iouThresholds,
        }
      : null,
    pxap,
    ...(pxapError === undefined ? {} : { pxapError }),
    ...(faithfulness ? { faithfulness: faithfulness.compute() } : {}),
    warnings,
  };
  return {
    dir,
    config,
    protocol,
    thresholds,
    metrics,
    boxes,
    localization: loc,
    classCounts: localization.counts().perClass,
    classNames,
    ious: ious.subarray(0, iouCount),
    bySize,
    sizedImages,
    modes,
    failures,
    picks,
  };
}
