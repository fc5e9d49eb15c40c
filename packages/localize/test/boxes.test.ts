import type { ScoreMap } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { boxesFromMap } from '../src/boxes.js';

/** Rows of digits 0-9 as a score map (value = digit / 9). */
function digits(rows: string[]): ScoreMap {
  const width = rows[0]!.length;
  const data = Float32Array.from(rows.join('').split(''), (c) => Number(c) / 9);
  return { width, height: rows.length, data };
}

const b = (x0: number, y0: number, x1: number, y1: number) => ({ x0, y0, x1, y1 });

describe('boxesFromMap', () => {
  const unimodal = digits(['00000000', '00123000', '01399300', '00249100', '00011000', '00000000']);
  const bimodal = digits(['9900000000', '9900000550', '0000000550', '0000000000', '0100000000']);

  it('unimodal map: 20% of the maximum keeps the bump (pixel-edge box)', () => {
    // cut-off = 0.2 * 1 = 0.2: digits >= 2 are foreground (1/9 < 0.2 < 2/9).
    expect(boxesFromMap(unimodal)).toEqual([b(2, 1, 6, 4)]);
    expect(boxesFromMap(unimodal, { threshold: { kind: 'fraction', value: 0.5 } })).toEqual([b(3, 2, 5, 4)]);
    expect(boxesFromMap(unimodal, { threshold: { kind: 'absolute', value: 0 } })).toEqual([b(1, 1, 6, 5)]);
  });

  it('multimodal map: largest, all, merged, minArea', () => {
    const t = { kind: 'fraction', value: 0.05 } as const; // every non-zero digit
    expect(boxesFromMap(bimodal, { threshold: t, mode: 'all' })).toEqual([
      b(0, 0, 2, 2),
      b(7, 1, 9, 3),
      b(1, 4, 2, 5),
    ]);
    // Two components of 4 pixels: the first in raster order wins.
    expect(boxesFromMap(bimodal, { threshold: t })).toEqual([b(0, 0, 2, 2)]);
    expect(boxesFromMap(bimodal, { threshold: t, mode: 'merged' })).toEqual([b(0, 0, 9, 5)]);
    expect(boxesFromMap(bimodal, { threshold: t, mode: 'merged', minArea: 2 })).toEqual([b(0, 0, 9, 3)]);
    expect(boxesFromMap(bimodal, { threshold: { kind: 'fraction', value: 0.6 }, mode: 'all' })).toEqual([
      b(0, 0, 2, 2),
    ]);
  });

  it('connectivity decides whether diagonal pixels join', () => {
    const diag = digits(['900', '090', '009']);
    expect(boxesFromMap(diag, { mode: 'all' })).toEqual([b(0, 0, 3, 3)]);
    expect(boxesFromMap(diag, { mode: 'all', connectivity: 4 })).toEqual([
      b(0, 0, 1, 1),
      b(1, 1, 2, 2),
      b(2, 2, 3, 3),
    ]);
  });

  it('empty foreground gives []', () => {
    expect(boxesFromMap(digits(['000', '000']))).toEqual([]);
    // A constant positive map is all foreground at 20% of its maximum, empty at 100%.
    expect(boxesFromMap(digits(['555', '555']))).toEqual([b(0, 0, 3, 2)]);
    expect(boxesFromMap(digits(['555', '555']), { threshold: { kind: 'fraction', value: 1 } })).toEqual([]);
    expect(boxesFromMap(digits(['9']), { threshold: { kind: 'fraction', value: 1 } })).toEqual([]);
  });

  it('rejects unknown modes', () => {
    // @ts-expect-error: a mode from JavaScript
    expect(() => boxesFromMap(unimodal, { mode: 'biggest' })).toThrow(RangeError);
  });
});
