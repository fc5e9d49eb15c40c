import { DataError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { MASK_IGNORE, PxapEvaluator, wsolGroundTruthMask } from '../../src/evaluators/pxap.js';

const map2x2 = (values: number[]) => ({ width: 2, height: 2, data: Float32Array.from(values) });

describe('PxapEvaluator: hand-computed 2x2 cases', () => {
  it('PxAP = 50 when a background pixel ties the foreground pixel', () => {
    // scores [0.9 fg, 0.6 bg, 0.2 bg, 0.4 ignore]; thresholds [0, 0.5]: bins [0,.5) [.5,1) [1,2) [2,3].
    // true hist [0,1,0,0], false hist [1,1,0,0]; from the top: tp [0,0,1,1], fp [0,0,1,2];
    // precision [-, -, 1/2, 1/3], recall [0, 0, 1, 1]; AP = 1/2 * (1 - 0) + 1/3 * 0 = 0.5.
    const ev = new PxapEvaluator({ thresholds: [0, 0.5] });
    ev.accumulate(map2x2([0.9, 0.6, 0.2, 0.4]), [1, 0, 0, MASK_IGNORE]);
    const r = ev.compute();
    expect(r.pxap).toBe(50);
    expect(Array.from(r.edges)).toEqual([2, 1, 0.5, 0]);
    expect(Array.from(r.recall)).toEqual([0, 0, 1, 1]);
    expect(r.precision[2]).toBe(0.5);
    expect(r.precision[3]).toBe(1 / 3);
    expect([r.positives, r.negatives]).toEqual([1, 2]);
  });
  it('PxAP = 100 when a finer grid separates them', () => {
    const ev = new PxapEvaluator({ thresholds: [0, 0.25, 0.5, 0.75] });
    ev.accumulate(map2x2([0.9, 0.6, 0.2, 0.4]), [1, 0, 0, MASK_IGNORE]);
    expect(ev.compute().pxap).toBe(100);
  });
  it('accumulates over images and bins values exactly at the edges (numpy.histogram)', () => {
    const ev = new PxapEvaluator({ thresholds: [0, 0.5] });
    // 0.5 falls in [0.5, 1); 1.0 in [1, 2).
    ev.accumulate(map2x2([1, 0.5, 0.5, 0]), [1, 1, 0, 0]);
    ev.accumulate(map2x2([0.7, 0.1, 0.3, 0]), [0, 1, 0, 0]);
    // true: 1 -> [1,2), 0.5 -> [.5,1), 0.1 -> [0,.5)  => hist [1,1,1,0]
    // false: 0.5 -> [.5,1), 0 -> [0,.5), 0.7 -> [.5,1), 0.3, 0 -> [0,.5) => hist [3,2,0,0]
    // from the top: tp [0,1,2,3], fp [0,0,2,5]; precision [-,1,1/2,3/8]; recall [0,1/3,2/3,1]
    // AP = 1 * 1/3 + 1/2 * 1/3 + 3/8 * 1/3
    const r = ev.compute();
    expect(r.pxap).toBeCloseTo(((1 + 1 / 2 + 3 / 8) / 3) * 100, 12);
    expect(r.count).toBe(2);
  });
  it('raises as wsolevaluation does without positives', () => {
    const ev = new PxapEvaluator({ thresholds: [0, 0.5] });
    ev.accumulate(map2x2([0.9, 0.6, 0.2, 0.4]), [0, 0, 0, 0]);
    expect(() => ev.compute()).toThrow(DataError);
  });
  it('the default grid has 1000 thresholds', () => {
    expect(new PxapEvaluator().thresholds).toHaveLength(1000);
  });
});

describe('wsolGroundTruthMask (get_mask)', () => {
  it('foreground from any instance > 0.5, ignore = ignore box minus foreground', () => {
    const m = wsolGroundTruthMask(
      [
        [1, 0, 0, 0],
        [0, 0.6, 0.5, 0],
      ],
      [1, 1, 1, 0],
      4,
    );
    expect(Array.from(m)).toEqual([1, 1, 255, 0]);
  });
});
