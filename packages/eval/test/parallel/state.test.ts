import type { Box } from '@cam-localize/core';
import { UsageError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { BoxAccuracyEvaluator } from '../../src/evaluators/box-accuracy.js';
import { PxapEvaluator } from '../../src/evaluators/pxap.js';
import { mapAroundBoxes, rng } from '../synthetic.js';

function images(n: number, seed: number) {
  const random = rng(seed);
  return Array.from({ length: n }, () => {
    const x0 = Math.floor(random() * 100);
    const y0 = Math.floor(random() * 100);
    const gt: Box[] = [
      { x0, y0, x1: x0 + 30 + Math.floor(random() * 90), y1: y0 + 30 + Math.floor(random() * 90) },
    ];
    return { map: mapAroundBoxes(gt, 224, random), gt };
  });
}

describe('BoxAccuracyEvaluator state', () => {
  const imgs = images(24, 7);
  for (const multiContour of [true, false]) {
    it(`round-trips through state() / structuredClone / fromState (multiContour ${multiContour})`, () => {
      const ev = new BoxAccuracyEvaluator({ multiContour, iouThresholds: [30, 50, 70, 90] });
      for (const { map, gt } of imgs.slice(0, 10)) ev.accumulate(map, gt);
      const state = ev.state();
      expect(state.kind).toBe('box-accuracy');
      expect(state.count).toBe(10);
      expect(state.correct).toBeInstanceOf(Float64Array);
      expect(state.correct.length).toBe(4 * 1000);
      const back = BoxAccuracyEvaluator.fromState(structuredClone(state));
      expect(back.compute()).toEqual(ev.compute());
      expect(back.imageCount).toBe(10);
      // The state is a copy: changing it does not touch the evaluator.
      state.correct.fill(0);
      expect(ev.state().correct.some((v) => v > 0)).toBe(true);
      // The revived evaluator keeps accumulating like the original.
      for (const { map, gt } of imgs.slice(10, 12)) {
        ev.accumulate(map, gt);
        back.accumulate(map, gt);
      }
      expect(back.compute()).toEqual(ev.compute());
    });

    it(`merged partial evaluators equal one evaluator fed everything (multiContour ${multiContour})`, () => {
      const all = new BoxAccuracyEvaluator({ multiContour });
      for (const { map, gt } of imgs) all.accumulate(map, gt);
      // Three uneven, interleaved parts, merged in another order, some via state.
      const parts = [0, 1, 2].map(() => new BoxAccuracyEvaluator({ multiContour }));
      imgs.forEach(({ map, gt }, i) => {
        parts[(i * i) % 3]!.accumulate(map, gt);
      });
      const merged = new BoxAccuracyEvaluator({ multiContour });
      merged.mergeState(structuredClone(parts[2]!.state()));
      merged.merge(parts[0]!);
      merged.mergeState(parts[1]!.state());
      expect(merged.compute()).toEqual(all.compute());
      expect(merged.imageCount).toBe(imgs.length);
    });
  }

  it('fromState / mergeState reject malformed or mismatched states', () => {
    const ev = new BoxAccuracyEvaluator({ multiContour: true, thresholds: [0, 0.5] });
    ev.accumulate(imgs[0]!.map, imgs[0]!.gt);
    const good = ev.state();
    expect(() => BoxAccuracyEvaluator.fromState({ ...good, correct: new Float64Array(5) })).toThrow(
      /6 counters|5 counters/,
    );
    expect(() => BoxAccuracyEvaluator.fromState({ ...good, count: 0.5 })).toThrow(UsageError);
    expect(() =>
      BoxAccuracyEvaluator.fromState({ ...good, correct: Float64Array.from(good.correct, () => 2) }),
    ).toThrow(/not a count/);
    expect(() => BoxAccuracyEvaluator.fromState({ ...good, kind: 'pxap' } as never)).toThrow(UsageError);
    const other = new BoxAccuracyEvaluator({ multiContour: false, thresholds: [0, 0.5] });
    expect(() => other.mergeState(good)).toThrow(/different settings/);
  });
});

describe('PxapEvaluator state', () => {
  const random = rng(11);
  const data = Array.from({ length: 12 }, () => {
    const map = { width: 16, height: 16, data: Float32Array.from({ length: 256 }, () => random() * 1.1) };
    const mask = Uint8Array.from({ length: 256 }, () => [0, 1, 255][Math.floor(random() * 3)]!);
    return { map, mask };
  });

  it('round-trips through state() / structuredClone / fromState', () => {
    const ev = new PxapEvaluator({ thresholds: [0, 0.1, 0.3, 0.5, 0.9] });
    for (const { map, mask } of data) ev.accumulate(map, mask);
    const state = ev.state();
    expect(state.kind).toBe('pxap');
    expect(state.trueHist.length).toBe(7);
    const back = PxapEvaluator.fromState(structuredClone(state));
    expect(back.compute()).toEqual(ev.compute());
    expect(back.imageCount).toBe(12);
  });

  it('merged partial evaluators equal one evaluator fed everything', () => {
    const all = new PxapEvaluator();
    for (const { map, mask } of data) all.accumulate(map, mask);
    const a = new PxapEvaluator();
    const b = new PxapEvaluator();
    data.forEach(({ map, mask }, i) => {
      (i % 3 === 0 ? a : b).accumulate(map, mask);
    });
    const merged = new PxapEvaluator();
    merged.mergeState(structuredClone(b.state()));
    merged.mergeState(a.state());
    expect(merged.compute()).toEqual(all.compute());
  });

  it('rejects malformed or mismatched states', () => {
    const ev = new PxapEvaluator({ thresholds: [0, 0.5] });
    const good = ev.state();
    expect(() => PxapEvaluator.fromState({ ...good, trueHist: new Float64Array(3) })).toThrow(/3 bins/);
    expect(() => PxapEvaluator.fromState({ ...good, falseHist: Float64Array.of(0, -1, 0, 0) })).toThrow(
      /not a count/,
    );
    expect(() => new PxapEvaluator({ thresholds: [0, 0.4] }).mergeState(good)).toThrow(
      /different thresholds/,
    );
  });
});
