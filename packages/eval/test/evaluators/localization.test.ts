import type { Box } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { LocalizationAccuracyEvaluator } from '../../src/evaluators/localization.js';

const b = (x0: number, y0: number, x1: number, y1: number): Box => ({ x0, y0, x1, y1 });
const gt = [b(0, 0, 9, 9)];
const good = [b(0, 0, 9, 8)]; // IoU 0.9
const bad = [b(0, 0, 3, 3)]; // IoU 0.16

describe('LocalizationAccuracyEvaluator: hand-computed Top-k cases', () => {
  it('GT-known, Top-1, Top-5 Loc and Cls over four images', () => {
    const ev = new LocalizationAccuracyEvaluator();
    // 1: top-1 right, box good -> everything counts.
    ev.accumulate({ boxes: good, gtBoxes: gt, gtClass: 7, topK: [7, 1, 2, 3, 4] });
    // 2: right class 3rd, box good -> GT-known, Top-5 Loc, Top-5 Cls.
    ev.accumulate({ boxes: good, predictedBoxes: bad, gtBoxes: gt, gtClass: 7, topK: [1, 2, 7, 3, 4] });
    // 3: top-1 right, box bad -> Top-1/Top-5 Cls only.
    ev.accumulate({ boxes: bad, gtBoxes: gt, gtClass: 8, topK: [8, 1, 2, 3, 4] });
    // 4: class 6th (outside top 5), box good -> GT-known only; the top-1 class's box is good too.
    ev.accumulate({ boxes: good, predictedBoxes: good, gtBoxes: gt, gtClass: 9, topK: [1, 2, 3, 4, 5, 9] });
    const r = ev.compute();
    expect(r.count).toBe(4);
    expect(r.gtKnownLoc).toBe(75);
    expect(r.top1Loc).toBe(25);
    expect(r.topKLoc).toBe(50);
    expect(r.top1Cls).toBe(50);
    expect(r.topKCls).toBe(75);
    expect(r.predictedClassLoc).toBe(50); // images 1 and 4
    expect([...r.perClass.keys()]).toEqual([7, 8, 9]);
    expect(r.perClass.get(7)).toMatchObject({ count: 2, gtKnownLoc: 100, top1Loc: 50, topKLoc: 100 });
    expect(r.perClass.get(8)).toMatchObject({ count: 1, gtKnownLoc: 0, top1Cls: 100 });
  });
  it('uses IoU >= threshold (inclusive by default, continuous on request) and configurable k', () => {
    // inclusive IoU of [0,0,4,9] with [0,0,9,9] = 50 / 100 = 0.5 exactly -> counts at 0.5.
    const ev = new LocalizationAccuracyEvaluator({ k: 1 });
    const d = ev.accumulate({ boxes: [b(0, 0, 4, 9)], gtBoxes: gt, gtClass: 1, topK: [2, 1] });
    expect(d).toMatchObject({ gtKnownLoc: 1, topKLoc: 0, iou: 0.5 });
    // continuous: 4 * 9 / (9 * 9) = 0.444 -> not.
    const c = ev.accumulate({
      boxes: [b(0, 0, 4, 9)],
      gtBoxes: gt,
      gtClass: 1,
      topK: [1],
      iou: 'continuous',
    });
    expect(c.gtKnownLoc).toBe(0);
  });
  it('keeps unknown classes (-1) apart and never counts them as classified right', () => {
    const ev = new LocalizationAccuracyEvaluator();
    ev.accumulate({ boxes: good, gtBoxes: gt, gtClass: -1, topK: [-1, 3] });
    const r = ev.compute();
    expect(r).toMatchObject({ gtKnownLoc: 100, top1Cls: 0, top1Loc: 0, predictedClassLoc: 100 });
    expect(r.perClass.get(-1)!.count).toBe(1);
  });
});
