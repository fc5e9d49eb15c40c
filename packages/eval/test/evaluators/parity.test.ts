/**
 * Parity of the fast BoxAccuracyEvaluator (sweep, counters) with a slow, straightforward
 * implementation of wsolevaluation's BoxEvaluator written here: per image and per threshold,
 * wsolBoxes (one contour trace each), inclusive IoU against every GT box, counters, max.
 * Maps are synthetic (bumps around the real ground-truth boxes of ilsvrc2012-val-1000 plus
 * noise) until model CAMs are available.
 */
import type { Box, ScoreMap } from '@cam-localize/core';
import { thresholdGrid, wsolBoxes } from '@cam-localize/localize';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { readDataset } from '../../src/datasets/index.js';
import { BoxAccuracyEvaluator, wsolQuantizedMap } from '../../src/evaluators/box-accuracy.js';
import { iouInclusive, resizeBoxWsol } from '../../src/iou.js';
import { mapAroundBoxes, rng } from '../synthetic.js';

/** wsolevaluation's BoxEvaluator, transcribed naively. */
class SlowBoxEvaluator {
  private readonly correct: Map<number, number[]>;
  private cnt = 0;
  constructor(
    private readonly thresholds: ArrayLike<number>,
    private readonly ious: number[],
    private readonly multi: boolean,
  ) {
    this.correct = new Map(ious.map((d) => [d, new Array<number>(thresholds.length).fill(0)]));
  }
  accumulate(map: ScoreMap, gt: Box[]): void {
    // numpy quantises the float64 map: use the float64-exact map, as the fast evaluator does.
    const q = wsolQuantizedMap(map.data, map.width, map.height);
    const sliced: number[] = [];
    for (let i = 0; i < this.thresholds.length; i++) {
      const boxes = wsolBoxes(q, this.thresholds[i]!, { multiContour: this.multi });
      let best = Number.NEGATIVE_INFINITY;
      for (const p of boxes) for (const g of gt) best = Math.max(best, iouInclusive(p, g));
      sliced.push(best);
    }
    for (const d of this.ious) {
      const row = this.correct.get(d)!;
      sliced.forEach((s, i) => {
        if (s >= d / 100) row[i]!++;
      });
    }
    this.cnt++;
  }
  compute(): number[] {
    return this.ious.map((d) => Math.max(...this.correct.get(d)!.map((c) => (c * 100) / this.cnt)));
  }
  curves(): number[][] {
    return this.ious.map((d) => this.correct.get(d)!.map((c) => (c * 100) / this.cnt));
  }
}

function compare(items: { map: ScoreMap; gt: Box[] }[], thresholds: Float64Array, multi: boolean) {
  const fast = new BoxAccuracyEvaluator({ thresholds, multiContour: multi });
  const slow = new SlowBoxEvaluator(thresholds, [30, 50, 70], multi);
  for (const { map, gt } of items) {
    fast.accumulate(map, gt);
    slow.accumulate(map, gt);
  }
  const r = fast.compute();
  expect(r.maxBoxAcc).toEqual(slow.compute());
  expect(r.curves.map((c) => Array.from(c))).toEqual(slow.curves());
  return r;
}

describe('parity with a straightforward BoxEvaluator (synthetic boxes)', () => {
  it('agrees on random maps, single and multi contour', () => {
    const random = rng(7);
    const items = Array.from({ length: 12 }, () => {
      const gt: Box[] = [];
      const n = 1 + Math.floor(random() * 3);
      for (let k = 0; k < n; k++) {
        const x0 = Math.floor(random() * 40);
        const y0 = Math.floor(random() * 40);
        gt.push({ x0, y0, x1: x0 + 4 + Math.floor(random() * 20), y1: y0 + 4 + Math.floor(random() * 20) });
      }
      return { map: mapAroundBoxes(gt, 64, random), gt };
    });
    const grid = thresholdGrid(0.01);
    compare(items, grid, true);
    compare(items, grid, false);
  });
});

describeWithTestBed('parity on ilsvrc2012-val-1000 ground truth', () => {
  it('agrees on 40 images at 224x224 with gt boxes resized as wsolevaluation does', async () => {
    const ds = await readDataset(shared('datasets', 'ilsvrc2012-val-1000'));
    const random = rng(2020);
    const items = ds.items.slice(0, 40).map((item) => {
      const gt = item.boxes.map((b) => resizeBoxWsol(b, item.width!, item.height!, 224, 224));
      return { map: mapAroundBoxes(gt, 224, random), gt };
    });
    const grid = thresholdGrid(0.02);
    const r = compare(items, grid, true);
    compare(items, grid, false);
    // The synthetic maps localise reasonably but not perfectly.
    expect(r.maxBoxAcc[0]).toBeGreaterThan(r.maxBoxAcc[2]!);
    expect(r.maxBoxAccV2).toBeGreaterThan(20);
  });
});
