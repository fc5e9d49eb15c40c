/**
 * One streamed pass over a run's results.jsonl: the evaluators replayed (so a resumed run counts
 * every image exactly once), plus what the report's figures and galleries need: each scored
 * image's IoU, its ground-truth size class and failure mode. Memory holds one number per image
 * and a few gallery candidates, not the records.
 *
 * `analyseRun` (about 100 lines) stays whole: one pass over the records, each line read, checked,
 * replayed into the metrics and sorted into the figures' buckets in the same loop.
 */

import { join } from 'node:path';
import {
  BOX_ACCURACY_METRIC,
  BOX_SIZES,
  type BoxAccuracyResult,
  type BoxSize,
  boxSizeOf,
  type EvaluationProtocol,
  FAILURE_RULES,
  type FailureMode,
  failureModeOf,
  LOCALIZATION_METRIC,
  type LocalizationCounts,
  type LocalizationResult,
  largestBoxShare,
  METRICS,
  MetricSet,
  type MetricTable,
  PROTOCOLS,
  TOOL_DEFAULTS,
} from '@cam-localize/eval';
import { thresholdGrid } from '@cam-localize/localize';
import { checkRunRecord } from '../pipeline/record-schema.js';
import type { ClassResult, RunRecord } from '../pipeline/records.js';
import { type RunConfig, readRunConfig } from '../pipeline/run-config.js';
import { RunDirectory, readLatestRecords } from '../pipeline/run-dir.js';
import { GalleryPicker } from './gallery-picks.js';
import type { RunMetrics } from './run-metrics.js';

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

function noWarnings(): RunMetrics['warnings'] {
  return { missingGroundTruth: { images: 0, first: [] }, clippedBoxes: 0, zeroAreaBoxes: 0, outsideBoxes: 0 };
}

function noFailureModes(): Record<FailureMode, number> {
  return { localized: 0, 'too-small': 0, 'too-large': 0, 'wrong-object': 0, misplaced: 0, 'no-box': 0 };
}

/** What an ok record adds to the run's warnings: clipped and degenerate boxes, missing ground truth (first 5 named). */
function tallyWarnings(warnings: RunMetrics['warnings'], record: RunRecord): void {
  warnings.clippedBoxes += record.clippedBoxes ?? 0;
  warnings.zeroAreaBoxes += record.zeroAreaBoxes ?? 0;
  warnings.outsideBoxes += record.outsideBoxes ?? 0;
  if (record.missingGroundTruth) {
    const missing = warnings.missingGroundTruth;
    missing.images++;
    if (missing.first.length < 5) missing.first.push({ id: record.id, missing: record.missingGroundTruth });
  }
}

export async function analyseRun(
  dir: string,
  options: { galleryCount: number; onRecord?: (record: RunRecord) => void; metrics?: MetricTable },
): Promise<RunAnalysis> {
  const config = await readRunConfig(dir);
  const protocol = protocolOfConfig(config);
  const thresholds = thresholdGrid(protocol.thresholdInterval);
  const evaluators = new MetricSet(
    { protocol, thresholds, command: 'run' },
    { table: options.metrics ?? METRICS, asked: config.faithfulness ? ['faithfulness'] : [] },
  );
  const warnings = noWarnings();
  const counts = { total: 0, ok: 0, failed: 0, scored: 0 };
  const failures: { id: string; error: string }[] = [];
  const classNames = new Map<number, string>();
  let ious = new Float64Array(1024);
  let iouCount = 0;
  const bySize = Object.fromEntries(BOX_SIZES.map((s) => [s, { images: 0, localized: 0 }])) as SizeCounts;
  let sizedImages = 0;
  const modes = noFailureModes();
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
    if (record.loc) counts.scored++;
    evaluators.accumulateRecord(record);
    tallyWarnings(warnings, record);
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

  const localization = evaluators.result(LOCALIZATION_METRIC);
  const metrics = {
    protocol: protocol.name,
    images: counts,
    ...evaluators.json(),
    warnings,
  } as RunMetrics;
  return {
    dir,
    config,
    protocol,
    thresholds,
    metrics,
    boxes: evaluators.result(BOX_ACCURACY_METRIC),
    localization: localization?.rates,
    classCounts: localization?.perClass ?? new Map(),
    classNames,
    ious: ious.subarray(0, iouCount),
    bySize,
    sizedImages,
    modes,
    failures,
    picks,
  };
}
