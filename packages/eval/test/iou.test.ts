import type { Box } from '@cam-localize/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iouContinuous, iouInclusive, iouMatrix, maxIou, resizeBoxWsol } from '../src/iou.js';

const b = (x0: number, y0: number, x1: number, y1: number): Box => ({ x0, y0, x1, y1 });

describe('iouInclusive (wsolevaluation calculate_multiple_iou)', () => {
  it('matches the known vector IoU([1,2,5,6],[3,1,4,5]) = 8/27', () => {
    // intersection x 3..4 (2) * y 2..5 (4) = 8; areas 25 and 10; union 27.
    expect(iouInclusive(b(1, 2, 5, 6), b(3, 1, 4, 5))).toBe(8 / 27);
  });
  it('gives 1 for two [0,0,0,0] boxes (one pixel each)', () => {
    expect(iouInclusive(b(0, 0, 0, 0), b(0, 0, 0, 0))).toBe(1);
  });
  it('gives 0 for disjoint boxes and for a non-positive union', () => {
    expect(iouInclusive(b(0, 0, 1, 1), b(5, 5, 6, 6))).toBe(0);
    // Degenerate "boxes" whose inclusive areas are negative: union <= 0 -> 0, not NaN.
    expect(iouInclusive(b(5, 5, 2, 2), b(5, 5, 2, 2))).toBe(0);
  });
  it('is symmetric and in [0, 1]', () => {
    const arb = fc
      .tuple(fc.nat(50), fc.nat(50), fc.nat(50), fc.nat(50))
      .map(([x, y, w, h]) => b(x, y, x + w, y + h));
    fc.assert(
      fc.property(arb, arb, (p, q) => {
        const v = iouInclusive(p, q);
        return v === iouInclusive(q, p) && v >= 0 && v <= 1;
      }),
    );
  });
});

describe('iouContinuous (pixel edges)', () => {
  it('counts areas as (x1 - x0) * (y1 - y0)', () => {
    expect(iouContinuous(b(0, 0, 2, 2), b(1, 1, 3, 3))).toBe(1 / 7);
    expect(iouContinuous(b(0, 0, 0, 0), b(0, 0, 0, 0))).toBe(0);
    expect(iouContinuous(b(0, 0, 4, 4), b(0, 0, 4, 4))).toBe(1);
  });
});

describe('iouMatrix / maxIou', () => {
  it('lays out a x b row-major', () => {
    const a = [b(1, 2, 5, 6), b(0, 0, 0, 0)];
    const g = [b(3, 1, 4, 5), b(0, 0, 0, 0), b(1, 2, 5, 6)];
    const m = iouMatrix(a, g);
    expect(m).toBeInstanceOf(Float64Array);
    expect(Array.from(m)).toEqual([8 / 27, 0, 1, 0, 1, 0]);
    expect(maxIou(a, g)).toBe(1);
    expect(maxIou([], g)).toBe(0);
    expect(Array.from(iouMatrix(a, g, 'continuous'))[0]).toBe(3 / 17);
  });
});

describe('resizeBoxWsol', () => {
  it('matches the known vector (1,2,4,3) from (10,20) to (35,10) -> (3,1,14,1)', () => {
    expect(resizeBoxWsol(b(1, 2, 4, 3), 10, 20, 35, 10)).toEqual(b(3, 1, 14, 1));
  });
  it('truncates like Python int() on float boxes', () => {
    // 9.08 * 224 / 227 = 8.96 -> 8; 226.55 * 224 / 227 = 223.56 -> 223.
    expect(resizeBoxWsol(b(9.08, 105.93, 226.55, 176.76), 227, 227, 224, 224)).toEqual(b(8, 104, 223, 174));
  });
});
