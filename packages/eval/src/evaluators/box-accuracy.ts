/**
 * MaxBoxAcc and MaxBoxAccV2 as an accumulator, with wsolevaluation's `BoxEvaluator` semantics.
 *
 * Per image (a score map already in the evaluation frame, e.g. 224x224 min-max normalised, and
 * its ground-truth boxes in the same frame), for every CAM threshold t of the grid: the boxes of
 * the map at t (all contours for V2, the largest for V1), score = max inclusive IoU over
 * predicted x ground-truth boxes; the image counts as correct at (delta, t) when
 * score >= delta / 100. BoxAcc(delta, t) = 100 * correct / images; MaxBoxAcc(delta) is its
 * maximum over t (the first best t is reported); MaxBoxAccV2 is the mean over the IoU levels.
 *
 * Memory is one counter per (IoU level, threshold), whatever the number of images. The work per
 * image uses the sweep of @cam-localize/localize: at most 256 distinct box sets (one per uint8
 * cut-off) are built and scored once each, then spread over the thresholds.
 */
import { type Box, type ScoreMap, UsageError } from '@cam-localize/core';
import * as localize from '@cam-localize/localize';
import { thresholdGrid, wsolBoxSweep } from '@cam-localize/localize';
import { iouInclusive } from '../iou.js';

export interface BoxAccuracyOptions {
  /** CAM thresholds, increasing, in [0, 1). Default: thresholdGrid(0.001) = np.arange(0, 1, 0.001). */
  thresholds?: ArrayLike<number>;
  /** IoU levels in percent. Default [30, 50, 70]. */
  iouThresholds?: readonly number[];
  /** true: boxes of every contour (MaxBoxAccV2); false: the largest contour only (MaxBoxAcc V1). */
  multiContour: boolean;
}

export interface BoxAccuracyLevel {
  /** IoU level in percent (delta). */
  iouThreshold: number;
  /** MaxBoxAcc(delta) in percent. */
  maxBoxAcc: number;
  /** The CAM threshold attaining it (first one on ties, as numpy's argmax). */
  bestThreshold: number;
  /** Index of `bestThreshold` in the grid. */
  bestThresholdIndex: number;
  /** BoxAcc(delta, t) in percent for every threshold of the grid. */
  curve: Float64Array;
}

export interface BoxAccuracyResult {
  /** Number of images accumulated. */
  count: number;
  /** The CAM-threshold grid. */
  thresholds: Float64Array;
  /** IoU levels in percent, in the order of the arrays below. */
  iouThresholds: number[];
  /** MaxBoxAcc per IoU level, percent. */
  maxBoxAcc: number[];
  /** Best CAM threshold per IoU level. */
  bestThreshold: number[];
  /** Mean of `maxBoxAcc` over the IoU levels (MaxBoxAccV2 when multiContour and levels 30/50/70). */
  maxBoxAccV2: number;
  /** BoxAcc curves per IoU level, percent. */
  curves: Float64Array[];
  /** Everything above, per level. */
  levels: BoxAccuracyLevel[];
  /** Whether boxes came from every contour. */
  multiContour: boolean;
}

/**
 * Float32 values q' with floor(q' * 255) === q (in float64 and float32 arithmetic alike), so a
 * map of such values quantises exactly to the uint8 levels q.
 */
const LEVEL_VALUE = new Float32Array(256);
for (let q = 0; q < 256; q++) LEVEL_VALUE[q] = q === 255 ? 1 : Math.fround((q + 0.5) / 255);

/**
 * A float32 score map that quantises (floor(v * 255)) to exactly the same uint8 image as the
 * given float64 (or float32) values do in float64 arithmetic, as numpy's
 * `(scoremap * 255).astype(np.uint8)` does on wsolevaluation's float64 maps. Values must be in [0, 1].
 */
export function wsolQuantizedMap(values: ArrayLike<number>, width: number, height: number): ScoreMap {
  const n = width * height;
  if (values.length !== n) {
    throw new UsageError(`score map has ${values.length} values, expected ${width}x${height}=${n}`);
  }
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new UsageError(`score map value ${v} at pixel ${i} is outside [0, 1]`, {
        hint: 'normalise the map first (normalizeMinMaxWsol)',
      });
    }
    data[i] = LEVEL_VALUE[Math.floor(v * 255)]!;
  }
  return { width, height, data };
}

type QuantizedSweep = (
  q: Uint8Array,
  width: number,
  height: number,
  thresholds: ArrayLike<number>,
  options: { multiContour: boolean },
) => { levels: Box[][]; levelOfThreshold: Int32Array };

/** localize's sweep on an already quantised map, when that package exports it. */
const quantizedSweep = (localize as unknown as Record<string, unknown>).wsolBoxSweepQuantized as
  | QuantizedSweep
  | undefined;

/** uint8(values * 255) with the product in float64 (numpy on float64 arrays); values must be in [0, 1]. */
export function quantizeWsol64(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const q = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new UsageError(`score map value ${v} at pixel ${i} is outside [0, 1]`, {
        hint: 'normalise the map first (normalizeMinMaxWsol)',
      });
    }
    q[i] = v * 255; // Uint8Array stores truncate, as astype(np.uint8)
  }
  return q;
}

function toGrid(thresholds: ArrayLike<number> | undefined): Float64Array {
  const grid =
    thresholds === undefined ? Float64Array.from(thresholdGrid(0.001)) : Float64Array.from(thresholds);
  if (grid.length === 0) throw new UsageError('the CAM-threshold grid is empty');
  for (let i = 0; i < grid.length; i++) {
    const t = grid[i]!;
    if (!Number.isFinite(t)) throw new UsageError(`CAM threshold ${i} is not a finite number`);
  }
  return grid;
}

function checkGtBoxes(gtBoxes: readonly Box[]): void {
  if (gtBoxes.length === 0) {
    throw new UsageError('an image without ground-truth boxes cannot be scored for box accuracy');
  }
}

/**
 * Everything a `BoxAccuracyEvaluator` holds, as plain data (typed arrays, numbers): what a worker
 * thread posts back (structured clone) to be merged with `mergeState` or revived with `fromState`.
 */
export interface BoxAccuracyState {
  kind: 'box-accuracy';
  thresholds: Float64Array;
  iouThresholds: number[];
  multiContour: boolean;
  /** correct[level * thresholds.length + t], integer counts. */
  correct: Float64Array;
  count: number;
}

function isCount(v: number): boolean {
  return Number.isInteger(v) && v >= 0;
}

export class BoxAccuracyEvaluator {
  readonly thresholds: Float64Array;
  readonly iouThresholds: readonly number[];
  readonly multiContour: boolean;
  /** correct[level * T + t]: images with score >= iouThresholds[level] / 100 at threshold t. */
  private readonly correct: Float64Array;
  /** The IoU levels as fractions, delta / 100 as wsolevaluation computes them. */
  private readonly cutoffs: Float64Array;
  private count = 0;

  constructor(options: BoxAccuracyOptions) {
    this.thresholds = toGrid(options.thresholds);
    const levels = options.iouThresholds ?? [30, 50, 70];
    if (levels.length === 0) throw new UsageError('no IoU thresholds given');
    for (const d of levels) {
      if (!Number.isFinite(d) || d < 0 || d > 100) {
        throw new UsageError(`IoU threshold ${d} must be a percentage in [0, 100]`);
      }
    }
    this.iouThresholds = Object.freeze([...levels]);
    this.cutoffs = Float64Array.from(levels, (d) => d / 100);
    this.multiContour = options.multiContour;
    this.correct = new Float64Array(levels.length * this.thresholds.length);
  }

  /** Images accumulated so far. */
  get imageCount(): number {
    return this.count;
  }

  /**
   * Add one image. `map` is in the evaluation frame with values in [0, 1] (min-max normalised;
   * out-of-range values throw, as wsolevaluation's `check_scoremap_validity` raises);
   * `gtBoxes` are in the same frame (wsolevaluation: resized to 224 with int() truncation).
   * The map is quantised as `uint8(map * 255)` with the product in float64, as wsolevaluation
   * does on its float64 arrays.
   */
  accumulate(map: ScoreMap, gtBoxes: readonly Box[]): void {
    this.accumulateValues(map.data, map.width, map.height, gtBoxes);
  }

  /**
   * Add one image from raw values (float64 or float32, in [0, 1]) of a `width x height` map, e.g.
   * the float64 arrays of wsolevaluation's .npy files, without rounding them to float32 first.
   */
  accumulateValues(values: ArrayLike<number>, width: number, height: number, gtBoxes: readonly Box[]): void {
    const { levelIou, levelOfThreshold } = this.levelScores(values, width, height, gtBoxes);
    this.addScores(levelIou, levelOfThreshold);
  }

  /**
   * One image's best IoU at every threshold of the grid, without accumulating it: what a caller
   * stores to replay the image later with `accumulateScores` (a resumed run, say).
   */
  imageScores(
    map: { readonly width: number; readonly height: number; readonly data: ArrayLike<number> },
    gtBoxes: readonly Box[],
  ): Float64Array {
    const { levelIou, levelOfThreshold } = this.levelScores(map.data, map.width, map.height, gtBoxes);
    const scores = new Float64Array(levelOfThreshold.length);
    for (let t = 0; t < scores.length; t++) scores[t] = levelIou[levelOfThreshold[t]!]!;
    return scores;
  }

  /** Best IoU per distinct box set of the sweep (at most 256), and the set of each threshold. */
  private levelScores(
    values: ArrayLike<number>,
    width: number,
    height: number,
    gtBoxes: readonly Box[],
  ): { levelIou: Float64Array; levelOfThreshold: Int32Array } {
    checkGtBoxes(gtBoxes);
    if (values.length !== width * height) {
      throw new UsageError(
        `score map has ${values.length} values, expected ${width}x${height}=${width * height}`,
      );
    }
    const options = { multiContour: this.multiContour };
    const sweep =
      typeof quantizedSweep === 'function'
        ? quantizedSweep(quantizeWsol64(values), width, height, this.thresholds, options)
        : wsolBoxSweep(wsolQuantizedMap(values, width, height), this.thresholds, options);
    const levelIou = new Float64Array(sweep.levels.length);
    for (let l = 0; l < sweep.levels.length; l++) {
      let best = 0;
      // max over predicted boxes of max over ground truth (multiple_iou.max(1), then max).
      for (const p of sweep.levels[l]!) {
        for (const g of gtBoxes) {
          const v = iouInclusive(p, g);
          if (v > best) best = v;
        }
      }
      levelIou[l] = best;
    }
    return { levelIou, levelOfThreshold: sweep.levelOfThreshold };
  }

  /**
   * Add one image from its best IoU per CAM threshold (`scores[t]`), for callers that computed
   * boxes themselves.
   */
  accumulateScores(scores: ArrayLike<number>): void {
    if (scores.length !== this.thresholds.length) {
      throw new UsageError(
        `expected ${this.thresholds.length} scores (one per threshold), got ${scores.length}`,
      );
    }
    const identity = new Int32Array(scores.length);
    for (let i = 0; i < identity.length; i++) identity[i] = i;
    this.addScores(scores, identity);
  }

  private addScores(levelIou: ArrayLike<number>, levelOfThreshold: ArrayLike<number>): void {
    const T = this.thresholds.length;
    const L = this.cutoffs.length;
    for (let k = 0; k < L; k++) {
      const cut = this.cutoffs[k]!;
      const base = k * T;
      for (let t = 0; t < T; t++) {
        if (levelIou[levelOfThreshold[t]!]! >= cut) this.correct[base + t]! += 1;
      }
    }
    this.count++;
  }

  /** Merge another evaluator's counters (same grid and levels), e.g. from a worker. */
  merge(other: BoxAccuracyEvaluator): void {
    if (
      other.thresholds.length !== this.thresholds.length ||
      other.iouThresholds.join() !== this.iouThresholds.join() ||
      other.multiContour !== this.multiContour ||
      other.thresholds.some((t, i) => t !== this.thresholds[i])
    ) {
      throw new UsageError('cannot merge box-accuracy evaluators with different settings');
    }
    for (let i = 0; i < this.correct.length; i++) this.correct[i]! += other.correct[i]!;
    this.count += other.count;
  }

  /** A copy of the counters and settings, structured-clone friendly (see `BoxAccuracyState`). */
  state(): BoxAccuracyState {
    return {
      kind: 'box-accuracy',
      thresholds: Float64Array.from(this.thresholds),
      iouThresholds: [...this.iouThresholds],
      multiContour: this.multiContour,
      correct: Float64Array.from(this.correct),
      count: this.count,
    };
  }

  /** An evaluator holding `state` (validated: sizes, integer counts). */
  static fromState(state: BoxAccuracyState): BoxAccuracyEvaluator {
    if (state === null || typeof state !== 'object' || state.kind !== 'box-accuracy') {
      throw new UsageError('not a box-accuracy evaluator state');
    }
    const evaluator = new BoxAccuracyEvaluator({
      thresholds: state.thresholds,
      iouThresholds: state.iouThresholds,
      multiContour: state.multiContour === true,
    });
    const correct = state.correct;
    if (!(correct instanceof Float64Array) || correct.length !== evaluator.correct.length) {
      throw new UsageError(
        `box-accuracy state has ${correct?.length} counters, expected ${evaluator.correct.length}`,
      );
    }
    if (!isCount(state.count)) {
      throw new UsageError(`box-accuracy state count ${state.count} is not a count`);
    }
    for (let i = 0; i < correct.length; i++) {
      const v = correct[i]!;
      if (!isCount(v) || v > state.count) {
        throw new UsageError(`box-accuracy state counter ${i} (${v}) is not a count <= ${state.count}`);
      }
    }
    evaluator.correct.set(correct);
    evaluator.count = state.count;
    return evaluator;
  }

  /** Merge a state (from `state()`, e.g. posted by a worker) into this evaluator; same settings only. */
  mergeState(state: BoxAccuracyState): void {
    this.merge(BoxAccuracyEvaluator.fromState(state));
  }

  /**
   * The metrics so far. With no image accumulated every accuracy is NaN (wsolevaluation divides
   * by zero there).
   */
  compute(): BoxAccuracyResult {
    const T = this.thresholds.length;
    const levels: BoxAccuracyLevel[] = [];
    for (let k = 0; k < this.iouThresholds.length; k++) {
      const curve = new Float64Array(T);
      let best = Number.NEGATIVE_INFINITY;
      let bestIndex = 0;
      for (let t = 0; t < T; t++) {
        // num_correct * 100. / float(cnt), as wsolevaluation.
        const acc = (this.correct[k * T + t]! * 100) / this.count;
        curve[t] = acc;
        if (acc > best) {
          best = acc;
          bestIndex = t;
        }
      }
      if (this.count === 0) best = Number.NaN;
      levels.push({
        iouThreshold: this.iouThresholds[k]!,
        maxBoxAcc: best,
        bestThreshold: this.thresholds[bestIndex]!,
        bestThresholdIndex: bestIndex,
        curve,
      });
    }
    let sum = 0;
    for (const l of levels) sum += l.maxBoxAcc;
    return {
      count: this.count,
      thresholds: Float64Array.from(this.thresholds),
      iouThresholds: [...this.iouThresholds],
      maxBoxAcc: levels.map((l) => l.maxBoxAcc),
      bestThreshold: levels.map((l) => l.bestThreshold),
      maxBoxAccV2: sum / levels.length,
      curves: levels.map((l) => l.curve),
      levels,
      multiContour: this.multiContour,
    };
  }
}
