/**
 * PxAP (pixel average precision) as an accumulator, with wsolevaluation's `MaskEvaluator`
 * semantics.
 *
 * Ground truth per pixel: 1 foreground, 0 background, 255 ignore (wsolevaluation's `get_mask`:
 * the ignore box region minus the foreground). Per image the score-map values at foreground and
 * at background pixels are counted into histograms whose bin edges are the CAM-threshold grid
 * followed by 1, 2, 3, i.e. [0, i), [i, 2i), ..., [1 - i, 1), [1, 2), [2, 3] (numpy.histogram;
 * values outside [0, 3] are dropped). At the end, reading the bins from the top:
 * tp = cumulative foreground counts, fp = cumulative background counts,
 * precision = tp / (tp + fp), recall = tp / (number of foreground pixels), and
 * PxAP = 100 * sum over j >= 1 with tp[j] + fp[j] != 0 of precision[j] * (recall[j] - recall[j-1]),
 * summed in numpy's pairwise order. Memory: two histograms of (thresholds + 2) counters.
 */
import { DataError, type ScoreMap, UsageError } from '@cam-localize/core';
import { thresholdGrid } from '@cam-localize/localize';
import { numpySum } from '../numpy-sum.js';

export interface PxapOptions {
  /** CAM thresholds, strictly increasing, below 1. Default thresholdGrid(0.001). */
  thresholds?: ArrayLike<number>;
}

export interface PxapResult {
  /** PxAP in percent. */
  pxap: number;
  /** Images accumulated. */
  count: number;
  /**
   * Operating points from the strictest to the loosest, as wsolevaluation orders them:
   * index j counts pixels with score >= edges[j], edges = [2, 1, t_last, ..., t_0].
   */
  edges: Float64Array;
  precision: Float64Array;
  recall: Float64Array;
  /** Foreground and background pixels counted (ignore pixels and out-of-range values excluded). */
  positives: number;
  negatives: number;
}

/** Pixel label values of a ground-truth mask. */
export const MASK_BACKGROUND = 0;
export const MASK_FOREGROUND = 1;
export const MASK_IGNORE = 255;

/**
 * wsolevaluation's `get_mask`, on masks already decoded and resized (nearest) to the evaluation
 * frame: foreground = any instance mask > 0.5; ignore = ignore-mask > 0.5 and not foreground;
 * result 1 / 0 / 255 per pixel.
 */
export function wsolGroundTruthMask(
  instanceMasks: readonly ArrayLike<number>[],
  ignoreMask: ArrayLike<number> | undefined,
  size: number,
): Uint8Array {
  const out = new Uint8Array(size);
  for (const m of instanceMasks) {
    if (m.length !== size) throw new UsageError(`instance mask has ${m.length} pixels, expected ${size}`);
    for (let i = 0; i < size; i++) if (m[i]! > 0.5) out[i] = MASK_FOREGROUND;
  }
  if (ignoreMask !== undefined) {
    if (ignoreMask.length !== size)
      throw new UsageError(`ignore mask has ${ignoreMask.length} pixels, expected ${size}`);
    for (let i = 0; i < size; i++)
      if (ignoreMask[i]! > 0.5 && out[i] !== MASK_FOREGROUND) out[i] = MASK_IGNORE;
  }
  return out;
}

/** Everything a `PxapEvaluator` holds, as plain data (structured-clone friendly). */
export interface PxapState {
  kind: 'pxap';
  thresholds: Float64Array;
  /** Foreground / background pixel histograms (thresholds.length + 2 bins), integer counts. */
  trueHist: Float64Array;
  falseHist: Float64Array;
  count: number;
}

export class PxapEvaluator {
  readonly thresholds: Float64Array;
  /** Bin edges: thresholds, then 1, 2, 3. */
  private readonly edges: Float64Array;
  private readonly trueHist: Float64Array;
  private readonly falseHist: Float64Array;
  private readonly step: number;
  private count = 0;

  constructor(options: PxapOptions = {}) {
    this.thresholds =
      options.thresholds === undefined
        ? Float64Array.from(thresholdGrid(0.001))
        : Float64Array.from(options.thresholds);
    const t = this.thresholds;
    if (t.length === 0) throw new UsageError('the CAM-threshold grid is empty');
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(t[i]!) || (i > 0 && !(t[i]! > t[i - 1]!)) || t[i]! >= 1) {
        throw new UsageError('PxAP thresholds must be finite, strictly increasing and below 1');
      }
    }
    this.edges = new Float64Array(t.length + 3);
    this.edges.set(t);
    this.edges.set([1, 2, 3], t.length);
    this.trueHist = new Float64Array(t.length + 2);
    this.falseHist = new Float64Array(t.length + 2);
    this.step = t.length > 1 ? (t[t.length - 1]! - t[0]!) / (t.length - 1) : 1;
  }

  get imageCount(): number {
    return this.count;
  }

  /** The histogram bin of v (numpy.histogram with these edges), or -1 when outside [edges[0], 3]. */
  private bin(v: number): number {
    const e = this.edges;
    const last = e.length - 1;
    if (!(v >= e[0]!) || v > e[last]!) return -1;
    if (v === e[last]!) return last - 1;
    // A first guess from the (nearly) uniform grid, then exact comparisons against the edges.
    const nt = this.thresholds.length;
    let b =
      v >= 1 ? (v >= 2 ? nt + 1 : nt) : Math.min(nt - 1, Math.max(0, Math.floor((v - e[0]!) / this.step)));
    while (b > 0 && v < e[b]!) b--;
    while (v >= e[b + 1]!) b++;
    return b;
  }

  /**
   * Add one image: `map` values (normalised to [0, 1]) and `mask` (same size; 1 foreground,
   * 0 background, 255 ignore; other values are ignored too).
   */
  accumulate(
    map: ScoreMap | { width: number; height: number; data: ArrayLike<number> },
    mask: ArrayLike<number>,
  ): void {
    const n = map.width * map.height;
    if (map.data.length !== n || mask.length !== n) {
      throw new UsageError(
        `score map (${map.width}x${map.height}, ${map.data.length} values) and mask (${mask.length} pixels) differ in size`,
      );
    }
    for (let i = 0; i < n; i++) {
      const m = mask[i]!;
      if (m !== MASK_FOREGROUND && m !== MASK_BACKGROUND) continue;
      const b = this.bin(map.data[i]!);
      if (b < 0) continue;
      if (m === MASK_FOREGROUND) this.trueHist[b]! += 1;
      else this.falseHist[b]! += 1;
    }
    this.count++;
  }

  merge(other: PxapEvaluator): void {
    if (
      other.thresholds.length !== this.thresholds.length ||
      other.thresholds.some((t, i) => t !== this.thresholds[i])
    ) {
      throw new UsageError('cannot merge PxAP evaluators with different thresholds');
    }
    for (let i = 0; i < this.trueHist.length; i++) {
      this.trueHist[i]! += other.trueHist[i]!;
      this.falseHist[i]! += other.falseHist[i]!;
    }
    this.count += other.count;
  }

  /** A copy of the histograms and settings, structured-clone friendly (see `PxapState`). */
  state(): PxapState {
    return {
      kind: 'pxap',
      thresholds: Float64Array.from(this.thresholds),
      trueHist: Float64Array.from(this.trueHist),
      falseHist: Float64Array.from(this.falseHist),
      count: this.count,
    };
  }

  /** An evaluator holding `state` (validated: sizes, integer counts). */
  static fromState(state: PxapState): PxapEvaluator {
    if (state === null || typeof state !== 'object' || state.kind !== 'pxap') {
      throw new UsageError('not a PxAP evaluator state');
    }
    const evaluator = new PxapEvaluator({ thresholds: state.thresholds });
    const n = evaluator.trueHist.length;
    for (const [name, hist] of [
      ['trueHist', state.trueHist],
      ['falseHist', state.falseHist],
    ] as const) {
      if (!(hist instanceof Float64Array) || hist.length !== n) {
        throw new UsageError(`PxAP state ${name} has ${hist?.length} bins, expected ${n}`);
      }
      for (let i = 0; i < n; i++) {
        if (!Number.isInteger(hist[i]!) || hist[i]! < 0) {
          throw new UsageError(`PxAP state ${name}[${i}] (${hist[i]}) is not a count`);
        }
      }
    }
    if (!Number.isInteger(state.count) || state.count < 0) {
      throw new UsageError(`PxAP state count ${state.count} is not a count`);
    }
    evaluator.trueHist.set(state.trueHist);
    evaluator.falseHist.set(state.falseHist);
    evaluator.count = state.count;
    return evaluator;
  }

  /** Merge a state (from `state()`) into this evaluator; same thresholds only. */
  mergeState(state: PxapState): void {
    this.merge(PxapEvaluator.fromState(state));
  }

  /**
   * The metric. Throws a DataError, as wsolevaluation raises, when there is no foreground pixel
   * or no pixel at all in the histograms.
   */
  compute(): PxapResult {
    const nb = this.trueHist.length;
    const tp = new Float64Array(nb);
    const fp = new Float64Array(nb);
    let accT = 0;
    let accF = 0;
    for (let j = 0; j < nb; j++) {
      accT += this.trueHist[nb - 1 - j]!;
      accF += this.falseHist[nb - 1 - j]!;
      tp[j] = accT;
      fp[j] = accF;
    }
    const numTrue = numpySum(this.trueHist);
    let anyGt = false;
    let anyPred = false;
    for (let j = 0; j < nb; j++) {
      if (tp[j]! + (numTrue - tp[j]!) > 0) anyGt = true;
      if (tp[j]! + fp[j]! > 0) anyPred = true;
    }
    if (!anyGt)
      throw new DataError('E_DATASET', 'No positive ground truth in the eval set (PxAP undefined).');
    if (!anyPred)
      throw new DataError('E_DATASET', 'No positive prediction in the eval set (PxAP undefined).');
    const precision = new Float64Array(nb);
    const recall = new Float64Array(nb);
    for (let j = 0; j < nb; j++) {
      precision[j] = tp[j]! / (tp[j]! + fp[j]!);
      recall[j] = tp[j]! / (tp[j]! + (numTrue - tp[j]!));
    }
    const terms: number[] = [];
    for (let j = 1; j < nb; j++) {
      if (tp[j]! + fp[j]! !== 0) terms.push(precision[j]! * (recall[j]! - recall[j - 1]!));
    }
    const pxap = numpySum(terms) * 100;
    const edges = new Float64Array(nb);
    for (let j = 0; j < nb; j++) edges[j] = this.edges[nb - 1 - j]!;
    return {
      pxap,
      count: this.count,
      edges,
      precision,
      recall,
      positives: numTrue,
      negatives: numpySum(this.falseHist),
    };
  }
}
