import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boxesFromMap } from '../src/boxes.js';
import { thresholdGrid } from '../src/sweep/threshold-levels.js';
import { boxSweep } from '../src/sweep/tool-sweep.js';
import { wsolBoxSweep } from '../src/sweep/wsol-sweep.js';
import { wsolBoxes } from '../src/wsol/wsol.js';
import { arbMap, makeMap } from './helpers/maps.js';

describe('thresholdGrid', () => {
  it('is numpy np.arange(0, 1, interval) (values checked with numpy 1.24)', () => {
    const g = thresholdGrid();
    expect(g.length).toBe(1000);
    expect([g[0], g[1], g[3], g[7], g[999]]).toEqual([0, 0.001, 0.003, 0.007, 0.999]);
    for (let i = 0; i < g.length; i++) expect(g[i]).toBe(i * 0.001);
    expect(thresholdGrid(0.01).length).toBe(100);
    expect(thresholdGrid(0.003).length).toBe(334);
    expect(() => thresholdGrid(0)).toThrow(RangeError);
  });
});

describe('wsolBoxSweep', () => {
  it('equals wsolBoxes at every threshold (property: random maps, both modes)', () => {
    const grid = thresholdGrid(0.01);
    fc.assert(
      fc.property(
        arbMap(14),
        fc.array(fc.double({ min: -0.2, max: 1.2, noNaN: true }), { maxLength: 6 }),
        (map, extra) => {
          const ts = [...grid, ...extra, 1, -1];
          for (const multiContour of [true, false]) {
            const sweep = wsolBoxSweep(map, ts, { multiContour });
            expect(sweep.levelOfThreshold.length).toBe(ts.length);
            ts.forEach((t, i) => {
              expect(sweep.levels[sweep.levelOfThreshold[i]!]).toEqual(wsolBoxes(map, t, { multiContour }));
            });
          }
        },
      ),
      { numRuns: 1500, seed: 424242 },
    );
  });

  it('shares levels between thresholds with the same quantised cut-off', () => {
    const map = makeMap('blobs', 30, 20, 3);
    const sweep = wsolBoxSweep(map, thresholdGrid(), { multiContour: true });
    expect(sweep.levels.length).toBeLessThanOrEqual(256);
    expect(sweep.levelOfThreshold.length).toBe(1000);
  });

  it('gives [0,0,0,0] for an all-zero map and thresholds at or above 1', () => {
    const zero = makeMap('zero', 5, 4, 0);
    const s = wsolBoxSweep(zero, [0, 0.5], { multiContour: true });
    expect(s.levels[s.levelOfThreshold[0]!]).toEqual([{ x0: 0, y0: 0, x1: 0, y1: 0 }]);
    const blob = makeMap('blobs', 8, 8, 1);
    const t = wsolBoxSweep(blob, [1, 2], { multiContour: false });
    expect(t.levels[t.levelOfThreshold[1]!]).toEqual([{ x0: 0, y0: 0, x1: 0, y1: 0 }]);
  });

  it('rejects a NaN threshold, as python int(nan) does', () => {
    expect(() => wsolBoxSweep(makeMap('blobs', 4, 4, 1), [Number.NaN], { multiContour: true })).toThrow(
      RangeError,
    );
  });
});

describe('boxSweep', () => {
  it('equals boxesFromMap with fraction thresholds (property: modes, connectivity, minArea)', () => {
    fc.assert(
      fc.property(
        arbMap(12),
        fc.constantFrom('largest' as const, 'all' as const, 'merged' as const),
        fc.constantFrom(4 as const, 8 as const),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.double({ min: -0.5, max: 1.5, noNaN: true }), { maxLength: 8 }),
        (map, mode, connectivity, minArea, extra) => {
          const ts = [0, 0.2, 0.5, 0.9, 1, ...extra];
          const sweep = boxSweep(map, ts, { mode, connectivity, minArea });
          ts.forEach((t, i) => {
            expect(sweep.levels[sweep.levelOfThreshold[i]!]).toEqual(
              boxesFromMap(map, { threshold: { kind: 'fraction', value: t }, mode, connectivity, minArea }),
            );
          });
        },
      ),
      { numRuns: 600, seed: 7 },
    );
  });
});
