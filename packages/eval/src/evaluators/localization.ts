/**
 * Classification-aware localization accuracy (GT-known Loc, Top-1 Loc, Top-k Loc) and
 * classification accuracy, as an accumulator with per-class counters.
 *
 * Definitions, at an IoU level `iouThreshold` (default 0.5), per image:
 * - loc-ok: the best IoU between the boxes predicted from the *ground-truth class's* CAM and the
 *   ground-truth boxes is >= iouThreshold;
 * - GT-known Loc: loc-ok (the class is given, not predicted);
 * - Top-1 Cls: ranked class 1 is the ground-truth class; Top-k Cls: it is among the first k;
 * - Top-1 Loc: Top-1 Cls and loc-ok (when the top-1 class is right its CAM is the GT class's CAM);
 * - Top-k Loc: Top-k Cls and loc-ok (the right class is in the top k, and its box is good);
 * - Predicted-class Loc (class-agnostic): the boxes of the top-1 class's CAM (`predictedBoxes`,
 *   or `boxes` when top-1 is right or no separate prediction is given) reach the IoU level,
 *   whatever the class; useful for datasets whose classes the model does not know.
 * All accuracies are percentages of the images accumulated (of that class for the breakdown).
 */
import { type Box, UsageError } from '@cam-localize/core';
import { type IouConvention, maxIou } from '../iou.js';

export interface LocalizationRecord {
  /** Boxes predicted from the CAM of the ground-truth class. */
  boxes: readonly Box[];
  /** Boxes predicted from the CAM of the top-1 class, when it differs from the GT class. */
  predictedBoxes?: readonly Box[];
  /** Ground-truth boxes (same frame as the predictions). */
  gtBoxes: readonly Box[];
  /** Ground-truth class index; -1 (or any negative) when unknown to the model. */
  gtClass: number;
  /** Class indices ranked by score, best first; at least k of them for Top-k. Empty: no classification. */
  topK: readonly number[];
  /** IoU convention for this record; defaults to the evaluator's. */
  iou?: IouConvention;
}

export interface LocalizationCounts {
  images: number;
  gtKnownLoc: number;
  top1Loc: number;
  topKLoc: number;
  top1Cls: number;
  topKCls: number;
  predictedClassLoc: number;
}

/** What was decided for one image, 1 or 0 each. */
export type LocalizationDecisions = Omit<LocalizationCounts, 'images'>;

/** Everything a `LocalizationAccuracyEvaluator` holds, as plain data. */
export interface LocalizationState {
  kind: 'localization';
  iouThreshold: number;
  k: number;
  total: LocalizationCounts;
  /** [ground-truth class (-1: unknown), counters], by class. */
  perClass: [number, LocalizationCounts][];
}

export interface LocalizationRates {
  /** Images accumulated. */
  count: number;
  /** Percentages. */
  gtKnownLoc: number;
  top1Loc: number;
  topKLoc: number;
  top1Cls: number;
  topKCls: number;
  predictedClassLoc: number;
}

export interface LocalizationResult extends LocalizationRates {
  /** The IoU level (fraction) and k used. */
  iouThreshold: number;
  k: number;
  /** Per ground-truth class (negative indices are unknown classes), keyed by class index. */
  perClass: Map<number, LocalizationRates>;
}

export interface LocalizationOptions {
  /** IoU level as a fraction. Default 0.5. */
  iouThreshold?: number;
  /** k of Top-k. Default 5. */
  k?: number;
  /** Default IoU convention. Default 'inclusive' (wsolevaluation). */
  iou?: IouConvention;
}

function emptyCounts(): LocalizationCounts {
  return { images: 0, gtKnownLoc: 0, top1Loc: 0, topKLoc: 0, top1Cls: 0, topKCls: 0, predictedClassLoc: 0 };
}

function rates(c: LocalizationCounts): LocalizationRates {
  const pct = (v: number) => (v * 100) / c.images;
  return {
    count: c.images,
    gtKnownLoc: pct(c.gtKnownLoc),
    top1Loc: pct(c.top1Loc),
    topKLoc: pct(c.topKLoc),
    top1Cls: pct(c.top1Cls),
    topKCls: pct(c.topKCls),
    predictedClassLoc: pct(c.predictedClassLoc),
  };
}

export class LocalizationAccuracyEvaluator {
  readonly iouThreshold: number;
  readonly k: number;
  readonly iou: IouConvention;
  private readonly total = emptyCounts();
  private readonly byClass = new Map<number, LocalizationCounts>();

  constructor(options: LocalizationOptions = {}) {
    this.iouThreshold = options.iouThreshold ?? 0.5;
    this.k = options.k ?? 5;
    this.iou = options.iou ?? 'inclusive';
    if (!(this.iouThreshold >= 0 && this.iouThreshold <= 1)) {
      throw new UsageError(`IoU threshold ${this.iouThreshold} must be a fraction in [0, 1]`);
    }
    if (!Number.isInteger(this.k) || this.k < 1)
      throw new UsageError(`k must be a positive integer, got ${this.k}`);
  }

  /** Add one image. Returns what was decided for it (handy for per-image logs). */
  accumulate(record: LocalizationRecord): LocalizationDecisions & { iou: number } {
    const decided = this.decide(record);
    this.add(record.gtClass, decided);
    return decided;
  }

  /** What would be decided for one image, without adding it. */
  decide(record: LocalizationRecord): LocalizationDecisions & { iou: number } {
    if (record.gtBoxes.length === 0) {
      throw new UsageError('an image without ground-truth boxes cannot be scored for localization');
    }
    const convention = record.iou ?? this.iou;
    const iou = maxIou(record.boxes, record.gtBoxes, convention);
    const locOk = iou >= this.iouThreshold;
    const known = record.gtClass >= 0;
    const top1Cls = known && record.topK.length > 0 && record.topK[0] === record.gtClass;
    let topKCls = false;
    if (known) {
      const n = Math.min(this.k, record.topK.length);
      for (let i = 0; i < n; i++) if (record.topK[i] === record.gtClass) topKCls = true;
    }
    const predicted =
      record.predictedBoxes !== undefined && !top1Cls
        ? maxIou(record.predictedBoxes, record.gtBoxes, convention) >= this.iouThreshold
        : locOk;
    const decided = {
      gtKnownLoc: locOk ? 1 : 0,
      top1Loc: top1Cls && locOk ? 1 : 0,
      topKLoc: topKCls && locOk ? 1 : 0,
      top1Cls: top1Cls ? 1 : 0,
      topKCls: topKCls ? 1 : 0,
      predictedClassLoc: predicted ? 1 : 0,
    };
    return { ...decided, iou };
  }

  /**
   * Add one image from decisions made earlier (by `accumulate`, stored per image): how a
   * resumed run replays its finished images without their boxes.
   */
  accumulateDecisions(
    gtClass: number,
    decisions: { readonly [K in keyof LocalizationDecisions]: boolean | number },
  ): void {
    this.add(gtClass, {
      gtKnownLoc: Number(decisions.gtKnownLoc),
      top1Loc: Number(decisions.top1Loc),
      topKLoc: Number(decisions.topKLoc),
      top1Cls: Number(decisions.top1Cls),
      topKCls: Number(decisions.topKCls),
      predictedClassLoc: Number(decisions.predictedClassLoc),
    });
  }

  private add(gtClass: number, decided: LocalizationDecisions): void {
    const key = gtClass >= 0 ? gtClass : -1;
    let perClass = this.byClass.get(key);
    if (perClass === undefined) {
      perClass = emptyCounts();
      this.byClass.set(key, perClass);
    }
    for (const c of [this.total, perClass]) {
      c.images++;
      c.gtKnownLoc += decided.gtKnownLoc;
      c.top1Loc += decided.top1Loc;
      c.topKLoc += decided.topKLoc;
      c.top1Cls += decided.top1Cls;
      c.topKCls += decided.topKCls;
      c.predictedClassLoc += decided.predictedClassLoc;
    }
  }

  /** Raw counters (total and per class), e.g. to merge or persist. */
  counts(): { total: LocalizationCounts; perClass: Map<number, LocalizationCounts> } {
    return {
      total: { ...this.total },
      perClass: new Map([...this.byClass].map(([k, v]) => [k, { ...v }])),
    };
  }

  /** The counters and settings as plain data (JSON friendly; see `LocalizationState`). */
  state(): LocalizationState {
    const { total, perClass } = this.counts();
    return {
      kind: 'localization',
      iouThreshold: this.iouThreshold,
      k: this.k,
      total,
      perClass: [...perClass].sort(([a], [b]) => a - b),
    };
  }

  /** Adds another evaluator's counters (same IoU level and k), e.g. of another shard. */
  mergeState(state: LocalizationState): void {
    if (state?.kind !== 'localization' || state.iouThreshold !== this.iouThreshold || state.k !== this.k) {
      throw new UsageError('cannot merge localization evaluators with different settings');
    }
    const add = (into: LocalizationCounts, from: LocalizationCounts) => {
      for (const key of Object.keys(into) as (keyof LocalizationCounts)[]) {
        const n = from[key];
        if (!Number.isInteger(n) || n < 0) {
          throw new UsageError(`localization state ${key} (${n}) is not a count`);
        }
        into[key] += n;
      }
    };
    for (const [gtClass, counts] of state.perClass) {
      let perClass = this.byClass.get(gtClass);
      if (perClass === undefined) {
        perClass = emptyCounts();
        this.byClass.set(gtClass, perClass);
      }
      add(perClass, counts);
    }
    add(this.total, state.total);
  }

  /** Percentages so far (NaN with no image). */
  compute(): LocalizationResult {
    const perClass = new Map<number, LocalizationRates>();
    for (const key of [...this.byClass.keys()].sort((a, b) => a - b))
      perClass.set(key, rates(this.byClass.get(key)!));
    return { ...rates(this.total), iouThreshold: this.iouThreshold, k: this.k, perClass };
  }
}
