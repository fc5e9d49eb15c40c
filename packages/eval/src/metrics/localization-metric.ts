/**
 * GT-known, Top-1 and Top-5 Loc, classification accuracy and predicted-class Loc as a metric row:
 * a run's record keeps the image's decisions (`loc`), replayed into a
 * `LocalizationAccuracyEvaluator`. `run` only: `eval` scores maps without classes.
 */
import {
  LocalizationAccuracyEvaluator,
  type LocalizationCounts,
  type LocalizationDecisions,
  type LocalizationResult,
  type LocalizationState,
} from '../evaluators/localization.js';
import type { FramedImage, MetricEvaluator, MetricRow, MetricSettings } from './evaluator.js';
import { percent } from './evaluator.js';

/** One image's decisions as its record keeps them. */
export type LocalizationRecordDecisions = { readonly [K in keyof LocalizationDecisions]: boolean };

export interface LocalizationObservation {
  readonly gtClass: number;
  readonly decisions: LocalizationRecordDecisions;
}

export interface LocalizationMetricResult {
  readonly rates: LocalizationResult;
  /** Raw per-class counters (for intervals), keyed by ground-truth class. */
  readonly perClass: Map<number, LocalizationCounts>;
  /** Scored images whose class the model knows: without any, class-based rates mean nothing. */
  readonly classified: number;
}

export type LocalizationMetricState = LocalizationState & { classified: number };

/** metrics.json's `localization`. */
export interface LocalizationJson {
  iouThreshold: number;
  gtKnownLoc: number | null;
  top1Loc: number | null;
  top5Loc: number | null;
  top1Cls: number | null;
  top5Cls: number | null;
  predictedClassLoc: number;
}

class LocalizationMetric
  implements MetricEvaluator<LocalizationObservation, LocalizationMetricState, LocalizationMetricResult>
{
  private readonly evaluator: LocalizationAccuracyEvaluator;
  private classified = 0;

  constructor(settings: MetricSettings) {
    this.evaluator = new LocalizationAccuracyEvaluator({ iou: settings.protocol.iou });
  }

  observe(image: FramedImage): LocalizationRecordDecisions | undefined {
    if (image.gtBoxes.length === 0) return undefined;
    const decided = this.evaluator.decide({
      boxes: image.boxes,
      predictedBoxes: image.predictedBoxes,
      gtBoxes: image.gtBoxes,
      gtClass: image.gtClass,
      topK: image.ranked,
    });
    return {
      gtKnownLoc: decided.gtKnownLoc > 0,
      top1Loc: decided.top1Loc > 0,
      topKLoc: decided.topKLoc > 0,
      top1Cls: decided.top1Cls > 0,
      topKCls: decided.topKCls > 0,
      predictedClassLoc: decided.predictedClassLoc > 0,
    };
  }

  accumulate({ gtClass, decisions }: LocalizationObservation): void {
    if (gtClass >= 0) this.classified++;
    this.evaluator.accumulateDecisions(gtClass, decisions);
  }

  state(): LocalizationMetricState {
    return { ...this.evaluator.state(), classified: this.classified };
  }

  mergeState(state: LocalizationMetricState): void {
    this.evaluator.mergeState(state);
    this.classified += state.classified;
  }

  compute(): LocalizationMetricResult | undefined {
    const { total, perClass } = this.evaluator.counts();
    if (total.images === 0) return undefined;
    return { rates: this.evaluator.compute(), perClass, classified: this.classified };
  }
}

export const LOCALIZATION_METRIC: MetricRow<
  LocalizationObservation,
  LocalizationMetricState,
  LocalizationMetricResult
> = {
  name: 'localization',
  recordKey: 'loc',
  scope: 'images',
  create: (settings) => new LocalizationMetric(settings),
  read: (record) => {
    const loc = record.loc as LocalizationRecordDecisions | undefined;
    if (loc === undefined) return undefined;
    const gtClass = record.gtClass as number | undefined;
    return { gtClass: gtClass !== undefined && gtClass >= 0 ? gtClass : -1, decisions: loc };
  },
  json: (result) => {
    if (result === undefined) return { localization: null };
    const { rates: loc, classified } = result;
    const known = (v: number) => (classified > 0 ? v : null);
    const localization: LocalizationJson = {
      iouThreshold: loc.iouThreshold,
      gtKnownLoc: known(loc.gtKnownLoc),
      top1Loc: known(loc.top1Loc),
      top5Loc: known(loc.topKLoc),
      top1Cls: known(loc.top1Cls),
      top5Cls: known(loc.topKCls),
      predictedClassLoc: loc.predictedClassLoc,
    };
    return { localization };
  },
  summary: (metrics) => {
    const l = metrics.localization as LocalizationJson | null | undefined;
    if (!l) return [];
    return [
      l.gtKnownLoc === null
        ? `Predicted-class Loc ${percent(l.predictedClassLoc)} (class-agnostic: no image has a class the model knows)`
        : `Top-1 Loc ${percent(l.top1Loc)}  GT-known Loc ${percent(l.gtKnownLoc)}  Top-5 Loc ${percent(l.top5Loc)}  Top-1 Cls ${percent(l.top1Cls)}  Top-5 Cls ${percent(l.top5Cls)}`,
    ];
  },
  describe: (metrics) => {
    const l = metrics.localization as LocalizationJson | null | undefined;
    if (!l) return [];
    const rate = (value: number | null) =>
      value === null ? { value: 'n/a (no known classes)' } : { value, unit: '%' };
    return [
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
    ];
  },
};
