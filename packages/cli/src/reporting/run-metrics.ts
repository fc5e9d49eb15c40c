/**
 * The metrics of a run as metrics.json holds them, and their rows in the report: one shape for
 * `run`, `report`, `merge` and `compare`.
 */
import type { BoxAccuracyResult, FaithfulnessSummary, PxapEvaluator, ReportInput } from '@cam-localize/eval';

export interface RunMetrics {
  readonly protocol: string;
  readonly images: { total: number; ok: number; failed: number; scored: number };
  /** Class-based rates are null when no scored image has a class the model knows (class-agnostic data). */
  readonly localization: {
    iouThreshold: number;
    gtKnownLoc: number | null;
    top1Loc: number | null;
    top5Loc: number | null;
    top1Cls: number | null;
    top5Cls: number | null;
    predictedClassLoc: number;
  } | null;
  readonly maxBoxAccByIoU: Record<string, number> | null;
  readonly bestThresholdByIoU: Record<string, number> | null;
  /** Mean of MaxBoxAcc over the IoU levels with every contour (wsolevaluation's V2), or null. */
  readonly maxBoxAccV2: number | null;
  /** MaxBoxAcc at IoU 50 with the largest contour only (V1), when the run asked for it. */
  readonly maxBoxAccV1?: number | null;
  readonly boxAccuracy: {
    thresholdInterval: number;
    multiContour: boolean;
    iouLevels: readonly number[];
  } | null;
  /** PxAP over the images with ground-truth masks (mask datasets), as `eval` computes it. */
  readonly pxap?: { pxap: number; images: number } | null;
  /** Why PxAP is undefined although masks were scored. */
  readonly pxapError?: string;
  /** --faithfulness: the metrics' means over the images (predicted class). */
  readonly faithfulness?: FaithfulnessSummary;
  /** Ground truth the metrics could not use, counted once for the run. */
  readonly warnings: {
    /** Images that lacked a label, boxes or mask the rest of the dataset has: in no metric. */
    missingGroundTruth: { images: number; first: { id: string; missing: string[] }[] };
    /** Ground-truth boxes that reached outside their image and were clipped to it. */
    clippedBoxes: number;
    /** Degenerate ground-truth boxes, scored as given: of zero area, and wholly outside their image. */
    zeroAreaBoxes: number;
    outsideBoxes: number;
  };
}

/** What building a run's summary files gives back: its metrics and the files written. */
export interface Summary {
  readonly dir: string;
  readonly metrics: RunMetrics;
  readonly files: string[];
}

/**
 * PxAP of an evaluator's masks, or why it is not defined (e.g. masks with no foreground): one
 * rule for `run`/`report` and for merged `eval` parts.
 */
export function pxapOf(evaluator: PxapEvaluator): {
  pxap: { pxap: number; images: number } | null;
  pxapError?: string;
} {
  if (evaluator.imageCount === 0) return { pxap: null };
  try {
    const result = evaluator.compute();
    return { pxap: { pxap: result.pxap, images: result.count } };
  } catch (error) {
    return { pxap: null, pxapError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * MaxBoxAcc under self-explaining keys, as `run` and `eval` print them: per IoU level, the best
 * threshold per level, and MaxBoxAccV2 (all contours) or MaxBoxAccV1 (largest contour, IoU 50).
 */
export function boxAccuracyJson(
  boxes: BoxAccuracyResult | undefined,
  multiContour: boolean,
): Pick<RunMetrics, 'maxBoxAccByIoU' | 'bestThresholdByIoU' | 'maxBoxAccV2' | 'maxBoxAccV1'> {
  const byLevel = (pick: (l: BoxAccuracyResult['levels'][number]) => number) =>
    boxes ? Object.fromEntries(boxes.levels.map((l) => [String(l.iouThreshold), pick(l)])) : null;
  return {
    maxBoxAccByIoU: byLevel((l) => l.maxBoxAcc),
    bestThresholdByIoU: byLevel((l) => l.bestThreshold),
    maxBoxAccV2: boxes && multiContour ? boxes.maxBoxAccV2 : null,
    ...(multiContour
      ? {}
      : { maxBoxAccV1: boxes?.levels.find((l) => l.iouThreshold === 50)?.maxBoxAcc ?? null }),
  };
}

export function metricRows(m: RunMetrics): ReportInput['metrics'] {
  const rows: { name: string; value: number | string; unit?: string; note?: string }[] = [
    { name: 'images', value: `${m.images.ok} ok, ${m.images.failed} failed, ${m.images.scored} with boxes` },
    { name: 'protocol', value: m.protocol },
  ];
  if (m.maxBoxAccV2 !== null) {
    rows.push({
      name: 'MaxBoxAccV2',
      value: m.maxBoxAccV2,
      unit: '%',
      note: 'mean of MaxBoxAcc at IoU 30/50/70',
    });
    for (const [level, value] of Object.entries(m.maxBoxAccByIoU ?? {})) {
      rows.push({
        name: `MaxBoxAcc @ IoU ${level}%`,
        value,
        unit: '%',
        note: `best threshold ${m.bestThresholdByIoU?.[level]?.toFixed(3)}`,
      });
    }
  }
  if (m.pxap) {
    rows.push({ name: 'PxAP', value: m.pxap.pxap, unit: '%', note: `over ${m.pxap.images} masks` });
  }
  if (m.localization) {
    const l = m.localization;
    const rate = (value: number | null) =>
      value === null ? { value: 'n/a (no known classes)' } : { value, unit: '%' };
    rows.push(
      { name: 'GT-known Loc', ...rate(l.gtKnownLoc), note: 'IoU ≥ 0.5 with the GT class CAM' },
      { name: 'Top-1 Loc', ...rate(l.top1Loc), note: 'top-1 class right and IoU ≥ 0.5' },
      { name: 'Top-5 Loc', ...rate(l.top5Loc) },
      { name: 'Top-1 Cls', ...rate(l.top1Cls) },
      { name: 'Top-5 Cls', ...rate(l.top5Cls) },
      {
        name: 'Predicted-class Loc',
        value: l.predictedClassLoc,
        unit: '%',
        note: 'IoU ≥ 0.5 with the top-1 CAM, any class',
      },
    );
  }
  return rows;
}
