import type { ScoreMap } from '@cam-localize/core';
import { UsageError } from '@cam-localize/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  foregroundMask,
  formatThreshold,
  otsuThreshold,
  parseThreshold,
  thresholdValue,
} from '../src/threshold.js';
import { arbMap } from './helpers/maps.js';

const map = (values: number[], width = values.length): ScoreMap => ({
  width,
  height: values.length / width,
  data: Float32Array.from(values),
});

describe('parseThreshold', () => {
  it('reads the CLI forms', () => {
    expect(parseThreshold('0.2')).toEqual({ kind: 'fraction', value: 0.2 });
    expect(parseThreshold('20%')).toEqual({ kind: 'fraction', value: 0.2 });
    expect(parseThreshold('frac:0.35')).toEqual({ kind: 'fraction', value: 0.35 });
    expect(parseThreshold('abs:0.5')).toEqual({ kind: 'absolute', value: 0.5 });
    expect(parseThreshold('abs:-1e-3')).toEqual({ kind: 'absolute', value: -0.001 });
    expect(parseThreshold('p90')).toEqual({ kind: 'percentile', value: 90 });
    expect(parseThreshold('P:99.5')).toEqual({ kind: 'percentile', value: 99.5 });
    expect(parseThreshold(' otsu ')).toEqual({ kind: 'otsu' });
    expect(parseThreshold('mean')).toEqual({ kind: 'mean' });
  });

  it('rejects bad strings with a UsageError that says what is accepted', () => {
    for (const bad of ['', 'abc', 'p101', 'p-1', 'abs:', 'abs:x', '0.2.3', 'pfoo']) {
      expect(() => parseThreshold(bad), bad).toThrow(UsageError);
    }
    expect(() => parseThreshold('nope')).toThrow(/bad threshold "nope"/);
  });

  it('refuses a fraction of the maximum outside 0..1, which would keep every pixel or none', () => {
    for (const bad of ['2', '1.01', '-0.1', '-1%', '101%', 'frac:1.5']) {
      expect(() => parseThreshold(bad), bad).toThrow(/must be within 0\.\.1/);
    }
    expect(parseThreshold('0')).toEqual({ kind: 'fraction', value: 0 });
    expect(parseThreshold('1')).toEqual({ kind: 'fraction', value: 1 });
    expect(parseThreshold('100%')).toEqual({ kind: 'fraction', value: 1 });
    expect(parseThreshold('abs:2')).toEqual({ kind: 'absolute', value: 2 });
  });

  it('round-trips through formatThreshold', () => {
    for (const s of ['0.2', 'abs:0.5', 'p90', 'otsu', 'mean']) {
      expect(formatThreshold(parseThreshold(s))).toBe(s);
    }
  });
});

describe('thresholdValue', () => {
  it('fraction: value x max, NaN ignored; no finite value gives +Infinity', () => {
    expect(thresholdValue(map([0.1, Number.NaN, 0.8, 0.4]), { kind: 'fraction', value: 0.5 })).toBeCloseTo(
      0.4,
      6,
    );
    expect(thresholdValue(map([Number.NaN, Number.NaN]), { kind: 'fraction', value: 0.5 })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('absolute, mean', () => {
    expect(thresholdValue(map([0, 1]), { kind: 'absolute', value: 0.7 })).toBe(0.7);
    expect(thresholdValue(map([1, 2, Number.NaN, 6]), { kind: 'mean' })).toBe(3);
  });

  it('percentile is numpy linear interpolation (np.percentile([1,2,3,4,10], 90) = 7.6)', () => {
    expect(thresholdValue(map([4, 1, 10, 3, 2]), { kind: 'percentile', value: 90 })).toBeCloseTo(7.6, 5);
    expect(thresholdValue(map([4, 1, 10, 3, 2]), { kind: 'percentile', value: 0 })).toBe(1);
    expect(thresholdValue(map([4, 1, 10, 3, 2]), { kind: 'percentile', value: 100 })).toBe(10);
    expect(thresholdValue(map([4, 1, 10, 3, 2]), { kind: 'percentile', value: 50 })).toBe(3);
  });

  it('otsu splits a bimodal map between its modes', () => {
    const values = [...Array(50).fill(0.1), ...Array(30).fill(0.9), 0.12, 0.88];
    const cut = thresholdValue(map(values), { kind: 'otsu' });
    expect(cut).toBe(Math.fround(0.12));
    expect(Array.from(foregroundMask(map(values), cut)).filter((v) => v === 1).length).toBe(31);
  });
});

/** The slow twin: every split of the 256 bins, between-class variance from scratch. */
function slowOtsu(data: Float32Array): number {
  const finite = Array.from(data).filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.POSITIVE_INFINITY;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  if (!(max > min)) return max;
  const bin = (v: number) => Math.min(255, Math.floor((v - min) * (256 / (max - min))));
  let best = -1;
  let bestK = 0;
  for (let k = 0; k < 255; k++) {
    const lo = finite.filter((v) => bin(v) <= k).map(bin);
    const hi = finite.filter((v) => bin(v) > k).map(bin);
    if (lo.length === 0 || hi.length === 0) continue;
    const m0 = lo.reduce((a, b) => a + b, 0) / lo.length;
    const m1 = hi.reduce((a, b) => a + b, 0) / hi.length;
    const between = lo.length * hi.length * (m0 - m1) ** 2;
    if (between > best * (1 + 1e-12)) {
      best = between;
      bestK = k;
    }
  }
  return Math.max(...finite.filter((v) => bin(v) <= bestK));
}

describe('otsuThreshold', () => {
  it('equals a slow histogram twin (property)', () => {
    fc.assert(
      fc.property(arbMap(10), (m) => {
        expect(otsuThreshold(m.data)).toBe(slowOtsu(m.data));
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

describe('foregroundMask', () => {
  it('is strictly greater than the cut-off; NaN is background', () => {
    const m = map([0.2, 0.5, 0.50001, Number.NaN, 1]);
    expect(Array.from(foregroundMask(m, 0.5))).toEqual([0, 0, 1, 0, 1]);
    expect(Array.from(foregroundMask(m, 1))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(foregroundMask(m, Number.NEGATIVE_INFINITY))).toEqual([1, 1, 1, 0, 1]);
    expect(Array.from(foregroundMask(m, Number.NaN))).toEqual([0, 0, 0, 0, 0]);
  });
});
