import type { Box, ScoreMap } from '@cam-localize/core';
import { thresholdGrid } from '@cam-localize/localize';
import { describe, expect, it } from 'vitest';
import { BoxAccuracyEvaluator, quantizeWsol64, wsolQuantizedMap } from '../../src/evaluators/box-accuracy.js';

const b = (x0: number, y0: number, x1: number, y1: number): Box => ({ x0, y0, x1, y1 });

/** A w x h map with value v inside each [x0, y0, x1, y1] block (inclusive pixels), 0 elsewhere. */
function blocks(w: number, h: number, parts: [number, Box][]): ScoreMap {
  const data = new Float32Array(w * h);
  for (const [v, r] of parts) {
    for (let y = r.y0; y <= r.y1; y++)
      for (let x = r.x0; x <= r.x1; x++) data[y * w + x] = Math.max(data[y * w + x]!, v);
  }
  return { width: w, height: h, data };
}

describe('BoxAccuracyEvaluator: hand-computed cases', () => {
  it('BoxAcc at one threshold, three IoU levels', () => {
    const ev = new BoxAccuracyEvaluator({ thresholds: [0.5], multiContour: true });
    // A 4x4 block at x,y 2..5: contour rect x=2, w=4 -> box [2, 2, 6, 6]; against GT [2, 2, 5, 5]
    // inclusive IoU = 16 / 25 = 0.64: correct at 30 and 50, not at 70.
    ev.accumulate(blocks(10, 10, [[1, b(2, 2, 5, 5)]]), [b(2, 2, 5, 5)]);
    // A constant map: no contour, box [0, 0, 0, 0]; IoU with [0, 0, 9, 9] = 1 / 100.
    ev.accumulate(blocks(10, 10, []), [b(0, 0, 9, 9)]);
    const r = ev.compute();
    expect(r.count).toBe(2);
    expect(r.iouThresholds).toEqual([30, 50, 70]);
    expect(r.maxBoxAcc).toEqual([50, 50, 0]);
    expect(r.maxBoxAccV2).toBe((50 + 50 + 0) / 3);
    expect(Array.from(r.curves[0]!)).toEqual([50]);
  });

  it('MaxBoxAcc picks the best threshold per IoU level (first on ties)', () => {
    // Block B (0.4) x,y 0..7 holds block A (1.0) x,y 0..1.
    //  t = 0:   foreground B -> box [0, 0, 8, 8]; IoU with GT [0, 0, 7, 7] = 64 / 81 = 0.79
    //  t = 0.5: cut-off int(0.5 * 255) = 127 > q(0.4) = 102 -> only A -> [0, 0, 2, 2]; IoU = 9 / 64
    //  t = 0.9: cut-off 229 -> still A (q = 255).
    const map = blocks(10, 10, [
      [0.4, b(0, 0, 7, 7)],
      [1, b(0, 0, 1, 1)],
    ]);
    const ev = new BoxAccuracyEvaluator({
      thresholds: [0, 0.5, 0.9],
      iouThresholds: [10, 50, 80],
      multiContour: false,
    });
    ev.accumulate(map, [b(0, 0, 7, 7)]);
    const r = ev.compute();
    expect(r.levels.map((l) => Array.from(l.curve))).toEqual([
      [100, 100, 100],
      [100, 0, 0],
      [0, 0, 0],
    ]);
    expect(r.maxBoxAcc).toEqual([100, 100, 0]);
    expect(r.bestThreshold).toEqual([0, 0, 0]);
    expect(r.levels[1]!.bestThresholdIndex).toBe(0);
  });

  it('multi-contour takes the best of all boxes; single-box the largest contour', () => {
    // Two blobs: a big one far from the GT and a small one on it.
    const map = blocks(20, 20, [
      [1, b(0, 0, 9, 9)],
      [1, b(14, 14, 16, 16)],
    ]);
    const gt = [b(14, 14, 16, 16)];
    const multi = new BoxAccuracyEvaluator({ thresholds: [0.5], iouThresholds: [50], multiContour: true });
    const single = new BoxAccuracyEvaluator({ thresholds: [0.5], iouThresholds: [50], multiContour: false });
    multi.accumulate(map, gt);
    single.accumulate(map, gt);
    // multi: box [14, 14, 17, 17] -> IoU 9 / 16 >= 0.5; single: the 10x10 block only.
    expect(multi.compute().maxBoxAcc).toEqual([100]);
    expect(single.compute().maxBoxAcc).toEqual([0]);
  });

  it('uses np.arange(0, 1, 0.001) and [30, 50, 70] by default; NaN with no image', () => {
    const ev = new BoxAccuracyEvaluator({ multiContour: true });
    expect(ev.thresholds).toHaveLength(1000);
    expect(ev.thresholds[999]).toBe(999 * 0.001);
    const r = ev.compute();
    expect(r.count).toBe(0);
    expect(r.maxBoxAcc.every(Number.isNaN)).toBe(true);
  });

  it('refuses images without ground truth and maps outside [0, 1]', () => {
    const ev = new BoxAccuracyEvaluator({ multiContour: true });
    expect(() => ev.accumulate(blocks(4, 4, []), [])).toThrow(/without ground-truth/);
    expect(() => ev.accumulate({ width: 1, height: 1, data: Float32Array.of(2) }, [b(0, 0, 0, 0)])).toThrow(
      /outside \[0, 1\]/,
    );
  });

  it('merges counters', () => {
    const map = blocks(10, 10, [[1, b(2, 2, 5, 5)]]);
    const a = new BoxAccuracyEvaluator({ multiContour: true });
    const c = new BoxAccuracyEvaluator({ multiContour: true });
    const all = new BoxAccuracyEvaluator({ multiContour: true });
    a.accumulate(map, [b(2, 2, 5, 5)]);
    c.accumulate(map, [b(0, 0, 1, 1)]);
    all.accumulate(map, [b(2, 2, 5, 5)]);
    all.accumulate(map, [b(0, 0, 1, 1)]);
    a.merge(c);
    expect(a.compute()).toEqual(all.compute());
  });
});

describe('wsolQuantizedMap', () => {
  it('quantises in float64 like numpy on float64 maps', () => {
    // 0.2 * 255 = 51.00000000000001 in float64 -> 51; in float32 arithmetic fround(0.2) * 255 rounds to 51 too,
    // but e.g. v = 1 - 2^-40 gives 254 in float64 while float32 rounding would make it 255.
    const v = 1 - 2 ** -40;
    const m = wsolQuantizedMap([0, 0.2, v, 1], 4, 1);
    const q = Array.from(m.data, (x) => Math.trunc(Math.fround(x * 255)));
    expect(q).toEqual([0, 51, 254, 255]);
    expect(Array.from(m.data, (x) => Math.floor(x * 255))).toEqual([0, 51, 254, 255]);
    expect(Array.from(quantizeWsol64([0, 0.2, v, 1]))).toEqual([0, 51, 254, 255]);
    expect(() => quantizeWsol64([Number.NaN])).toThrow(/outside/);
  });
  it('the default grid is thresholdGrid(0.001)', () => {
    expect(Array.from(new BoxAccuracyEvaluator({ multiContour: false }).thresholds)).toEqual(
      Array.from(thresholdGrid(0.001)),
    );
  });
});
