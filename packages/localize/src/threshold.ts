/**
 * Thresholds: how a score map is cut into foreground and background.
 *
 * A threshold is first turned into one number, the *cut-off*, in the map's own units
 * (`thresholdValue`); the foreground is then every pixel whose value is strictly greater than the
 * cut-off (`foregroundMask`). Strictly greater, as in wsolevaluation and cv2.THRESH_BINARY, so a
 * cut-off equal to the map's maximum gives an empty foreground and a cut-off of -Infinity keeps every
 * finite pixel. NaN pixels are never foreground and are ignored by every statistic here.
 *
 * This module is the tool's own (float) convention. The wsolevaluation protocol quantises the map to
 * uint8 first: see `wsol.ts`.
 */

import type { ScoreMap } from '@cam-localize/core';
import { UsageError } from '@cam-localize/core';

export type ThresholdSpec =
  /** `value * max(map)`: the original CAM paper's "20% of the maximum" is `{ kind: 'fraction', value: 0.2 }`. */
  | { readonly kind: 'fraction'; readonly value: number }
  /** A cut-off in map units, used as it is. */
  | { readonly kind: 'absolute'; readonly value: number }
  /** numpy's `np.percentile(values, value)` (linear interpolation) over the finite values, `value` in 0..100. */
  | { readonly kind: 'percentile'; readonly value: number }
  /** Otsu's method on a 256-bin histogram between the finite minimum and maximum. */
  | { readonly kind: 'otsu' }
  /** The mean of the finite values. */
  | { readonly kind: 'mean' };

/**
 * The default of the tool's own box mode: 20% of the maximum (Zhou et al., CVPR 2016). The one
 * place this number is stated: the CLI's `--threshold` default and the tool protocol use it.
 */
export const DEFAULT_THRESHOLD: Extract<ThresholdSpec, { kind: 'fraction' }> = {
  kind: 'fraction',
  value: 0.2,
};

/** Finite minimum and maximum (NaN and infinities skipped); `count` finite values. */
export function finiteRange(data: ArrayLike<number>): { min: number; max: number; count: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) continue; // NaN or +-Infinity
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, count };
}

function finiteValues(data: ArrayLike<number>): Float64Array {
  const out = new Float64Array(data.length);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v === 0) out[n++] = v;
  }
  return out.subarray(0, n);
}

/** numpy's default ('linear') percentile of sorted values, p in 0..100. */
function percentileSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.POSITIVE_INFINITY;
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return frac === 0 ? a : a + (b - a) * frac;
}

/**
 * Otsu's cut-off: finite values are put in 256 equal bins between their minimum and maximum; the
 * split "bins <= k | bins > k" maximising the between-class variance is chosen (first k on ties),
 * and the cut-off returned is the largest value in the lower class, so that `value > cutoff` is
 * exactly the upper class. A map with fewer than two distinct finite values gives its maximum (empty
 * foreground).
 */
export function otsuThreshold(data: ArrayLike<number>): number {
  const { min, max, count } = finiteRange(data);
  if (count === 0) return Number.POSITIVE_INFINITY;
  if (!(max > min)) return max;
  const bins = 256;
  const hist = new Float64Array(bins);
  const binMax = new Float64Array(bins).fill(Number.NEGATIVE_INFINITY);
  const scale = bins / (max - min);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) continue;
    let b = Math.floor((v - min) * scale);
    if (b >= bins) b = bins - 1;
    hist[b]!++;
    if (v > binMax[b]!) binMax[b] = v;
  }
  let total = 0;
  for (let b = 0; b < bins; b++) total += b * hist[b]!;
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let bestK = 0;
  for (let k = 0; k < bins - 1; k++) {
    w0 += hist[k]!;
    sum0 += k * hist[k]!;
    const w1 = count - w0;
    if (w0 === 0 || w1 === 0) continue;
    const m0 = sum0 / w0;
    const m1 = (total - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      bestK = k;
    }
  }
  let cut = Number.NEGATIVE_INFINITY;
  for (let b = 0; b <= bestK; b++) if (binMax[b]! > cut) cut = binMax[b]!;
  return cut;
}

/**
 * The cut-off of `spec` for `map`, in map units. NaN values are ignored (and infinities by the
 * statistics); a map without finite values gives +Infinity (nothing is foreground).
 */
export function thresholdValue(map: ScoreMap, spec: ThresholdSpec): number {
  const data = map.data;
  switch (spec.kind) {
    case 'absolute':
      return spec.value;
    case 'fraction': {
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v > max) max = v; // NaN never compares greater
      }
      return max === Number.NEGATIVE_INFINITY ? Number.POSITIVE_INFINITY : spec.value * max;
    }
    case 'mean': {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v - v !== 0) continue;
        sum += v;
        n++;
      }
      return n === 0 ? Number.POSITIVE_INFINITY : sum / n;
    }
    case 'percentile': {
      if (!(spec.value >= 0 && spec.value <= 100)) {
        throw new UsageError(`percentile must be within 0..100, got ${spec.value}`);
      }
      const values = finiteValues(data).sort();
      return percentileSorted(values, spec.value);
    }
    case 'otsu':
      return otsuThreshold(data);
  }
}

/**
 * 1 where `value > cutoff` (strictly greater), 0 elsewhere and for NaN. A cut-off of NaN gives an
 * all-zero mask.
 */
export function foregroundMask(map: ScoreMap, cutoff: number): Uint8Array {
  const data = map.data;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! > cutoff ? 1 : 0;
  return out;
}

/**
 * A threshold from a command-line string:
 * - `0.2` or `20%`: fraction of the maximum;
 * - `abs:0.5`: absolute cut-off;
 * - `p90` (or `p:90`): 90th percentile;
 * - `otsu`, `mean`.
 * Throws UsageError saying what is accepted.
 */
export function parseThreshold(text: string): ThresholdSpec {
  const s = text.trim().toLowerCase();
  const fail = (why: string): never => {
    throw new UsageError(`bad threshold "${text}": ${why}`, {
      hint: 'use a fraction of the maximum like 0.2 or 20%, abs:<value>, p<0..100> (percentile), otsu or mean',
    });
  };
  const num = (t: string): number => {
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) fail(`"${t}" is not a number`);
    return Number(t);
  };
  if (s === 'otsu') return { kind: 'otsu' };
  if (s === 'mean') return { kind: 'mean' };
  // A fraction of the maximum outside [0, 1] keeps every pixel or none: a box of nothing, silently.
  const fraction = (value: number): ThresholdSpec =>
    value >= 0 && value <= 1
      ? { kind: 'fraction', value }
      : fail('a fraction of the maximum must be within 0..1 (0..100%)');
  if (s.startsWith('abs:')) return { kind: 'absolute', value: num(s.slice(4)) };
  if (s.startsWith('frac:')) return fraction(num(s.slice(5)));
  if (s.startsWith('p')) {
    const value = num(s.startsWith('p:') ? s.slice(2) : s.slice(1));
    if (!(value >= 0 && value <= 100)) fail('a percentile must be within 0..100');
    return { kind: 'percentile', value };
  }
  if (s.endsWith('%')) return fraction(num(s.slice(0, -1)) / 100);
  if (s === '') fail('empty');
  return fraction(num(s));
}

/** The spec as `parseThreshold` reads it back. */
export function formatThreshold(spec: ThresholdSpec): string {
  switch (spec.kind) {
    case 'fraction':
      return String(spec.value);
    case 'absolute':
      return `abs:${spec.value}`;
    case 'percentile':
      return `p${spec.value}`;
    case 'otsu':
    case 'mean':
      return spec.kind;
  }
}
