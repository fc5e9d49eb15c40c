/**
 * MaxBoxAcc / MaxBoxAccV2 as a metric row. A run's record keeps, per IoU level, the
 * threshold-index ranges where the image's best box reaches the level (`boxAcc`): a compact,
 * exact account of its share of every BoxAcc curve, replayed into a `BoxAccuracyEvaluator`.
 */
import {
  BoxAccuracyEvaluator,
  type BoxAccuracyResult,
  type BoxAccuracyState,
} from '../evaluators/box-accuracy.js';
import type { FramedImage, JsonObject, MetricEvaluator, MetricRow, MetricSettings } from './evaluator.js';
import { percent } from './evaluator.js';
import { plainState, typedState } from './plain-state.js';

/** Per IoU level (percent, as a string key), threshold-index ranges [start, end). */
export type CorrectRanges = Record<string, [number, number][]>;

/**
 * Per IoU level, the threshold-index ranges [start, end) where the image's best IoU reaches the
 * level: a compact, exact account of this image's contribution to every BoxAcc curve.
 */
export function correctRanges(scores: ArrayLike<number>, levels: readonly number[]): CorrectRanges {
  const out: CorrectRanges = {};
  for (const level of levels) {
    const cut = level / 100;
    const ranges: [number, number][] = [];
    let start = -1;
    for (let t = 0; t <= scores.length; t++) {
      const correct = t < scores.length && scores[t]! >= cut;
      if (correct && start < 0) start = t;
      else if (!correct && start >= 0) {
        ranges.push([start, t]);
        start = -1;
      }
    }
    out[String(level)] = ranges;
  }
  return out;
}

/** Rebuilds a per-threshold score array from correctness ranges (for evaluator replay). */
export function scoresFromRanges(
  ranges: CorrectRanges,
  levels: readonly number[],
  count: number,
): Float64Array {
  const scores = new Float64Array(count);
  for (const level of levels) {
    for (const [start, end] of ranges[String(level)] ?? []) {
      for (let t = start; t < end && t < count; t++) if (scores[t]! < level / 100) scores[t] = level / 100;
    }
  }
  return scores;
}

/** The box-accuracy state with its typed arrays as plain arrays (JSON). */
export type BoxAccuracyJsonState = Record<string, unknown>;

const TYPED_FIELDS = ['thresholds', 'correct'] as const;

class BoxAccuracyMetric implements MetricEvaluator<CorrectRanges, BoxAccuracyJsonState, BoxAccuracyResult> {
  readonly evaluator: BoxAccuracyEvaluator;

  constructor(settings: MetricSettings) {
    this.evaluator = new BoxAccuracyEvaluator({
      thresholds: settings.thresholds,
      iouThresholds: settings.protocol.iouThresholds,
      multiContour: settings.protocol.multiContour,
    });
  }

  observe(image: FramedImage): CorrectRanges | undefined {
    if (image.gtBoxes.length === 0) return undefined;
    return correctRanges(
      this.evaluator.imageScores(image.map, image.gtBoxesOfMap),
      this.evaluator.iouThresholds,
    );
  }

  accumulate(ranges: CorrectRanges): void {
    const { iouThresholds, thresholds } = this.evaluator;
    this.evaluator.accumulateScores(scoresFromRanges(ranges, iouThresholds, thresholds.length));
  }

  state(): BoxAccuracyJsonState {
    return plainState(this.evaluator.state());
  }

  mergeState(state: BoxAccuracyJsonState | BoxAccuracyState): void {
    this.evaluator.mergeState(typedState<BoxAccuracyState>(state, TYPED_FIELDS));
  }

  compute(): BoxAccuracyResult | undefined {
    return this.evaluator.imageCount > 0 ? this.evaluator.compute() : undefined;
  }
}

/** metrics.json's box-accuracy fields. */
export interface BoxAccuracyJson {
  maxBoxAccByIoU: Record<string, number> | null;
  bestThresholdByIoU: Record<string, number> | null;
  /** Mean of MaxBoxAcc over the IoU levels with every contour (wsolevaluation's V2), or null. */
  maxBoxAccV2: number | null;
  /** MaxBoxAcc at IoU 50 with the largest contour only (V1), when asked for. */
  maxBoxAccV1?: number | null;
}

/**
 * MaxBoxAcc under self-explaining keys, as `run` and `eval` print them: per IoU level, the best
 * threshold per level, and MaxBoxAccV2 (all contours) or MaxBoxAccV1 (largest contour, IoU 50).
 */
export function boxAccuracyJson(
  boxes: BoxAccuracyResult | undefined,
  multiContour: boolean,
): BoxAccuracyJson {
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

const fieldsOf = (metrics: JsonObject) => metrics as unknown as BoxAccuracyJson;

export const BOX_ACCURACY_METRIC: MetricRow<CorrectRanges, BoxAccuracyJsonState, BoxAccuracyResult> = {
  name: 'boxAccuracy',
  recordKey: 'boxAcc',
  scope: 'maps',
  headline: true,
  create: (settings) => new BoxAccuracyMetric(settings),
  read: (record) => record.boxAcc as CorrectRanges | undefined,
  json: (boxes, { protocol, command }) => ({
    ...boxAccuracyJson(boxes, protocol.multiContour),
    boxAccuracy: boxes
      ? {
          thresholdInterval: protocol.thresholdInterval,
          multiContour: protocol.multiContour,
          iouLevels: protocol.iouThresholds,
          ...(command === 'eval' ? { images: boxes.count } : {}),
        }
      : null,
  }),
  summary: (metrics) => {
    const m = fieldsOf(metrics);
    if (m.maxBoxAccByIoU === null || m.maxBoxAccByIoU === undefined) return [];
    const levels = Object.entries(m.maxBoxAccByIoU)
      .map(([level, v]) => `IoU ${level}: ${percent(v)} at t=${m.bestThresholdByIoU?.[level]?.toFixed(3)}`)
      .join(', ');
    const headline =
      m.maxBoxAccV2 !== null
        ? `MaxBoxAccV2 ${percent(m.maxBoxAccV2)}`
        : `MaxBoxAcc (V1) ${percent(m.maxBoxAccV1)}`;
    return [`${headline} (${levels})`];
  },
  describe: (metrics) => {
    const m = fieldsOf(metrics);
    if (m.maxBoxAccV2 === null || m.maxBoxAccV2 === undefined) return [];
    return [
      { name: 'MaxBoxAccV2', value: m.maxBoxAccV2, unit: '%', note: 'mean of MaxBoxAcc at IoU 30/50/70' },
      ...Object.entries(m.maxBoxAccByIoU ?? {}).map(([level, value]) => ({
        name: `MaxBoxAcc @ IoU ${level}%`,
        value,
        unit: '%',
        note: `best threshold ${m.bestThresholdByIoU?.[level]?.toFixed(3)}`,
      })),
    ];
  },
};
