import type { ScoreMap } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import {
  maskArea,
  maskBox,
  maskFromArray,
  maskIoU,
  maskToGray8,
  maskToScoreMap,
  thresholdMask,
  wsolMask,
} from '../src/masks.js';

const map: ScoreMap = { width: 3, height: 2, data: Float32Array.from([0, 0.3, 0.6, 0.9, Number.NaN, 1]) };

describe('masks', () => {
  it('thresholdMask takes a spec or a cut-off, strictly greater, NaN off', () => {
    expect(Array.from(thresholdMask(map, Math.fround(0.6)))).toEqual([0, 0, 0, 1, 0, 1]);
    expect(Array.from(thresholdMask(map, 0.6))).toEqual([0, 0, 1, 1, 0, 1]); // float32(0.6) > 0.6
    expect(Array.from(thresholdMask(map, { kind: 'fraction', value: 0.5 }))).toEqual([0, 0, 1, 1, 0, 1]);
    expect(Array.from(thresholdMask(map, { kind: 'absolute', value: -1 }))).toEqual([1, 1, 1, 1, 0, 1]);
  });

  it('wsolMask is the quantised foreground: q > int(t * max q)', () => {
    // q = [0, 76, 153, 229, 0, 255]; t = 0.3 -> cut-off 76: strictly greater.
    expect(Array.from(wsolMask(map, 0.3))).toEqual([0, 0, 1, 1, 0, 1]);
  });

  it('converts to score maps and gray, and back', () => {
    const mask = Uint8Array.from([0, 1, 1, 0, 0, 1]);
    expect(Array.from(maskToScoreMap(mask, 3, 2).data)).toEqual([0, 1, 1, 0, 0, 1]);
    expect(Array.from(maskToGray8(mask))).toEqual([0, 255, 255, 0, 0, 255]);
    expect(Array.from(maskFromArray(maskToGray8(mask)))).toEqual(Array.from(mask));
    expect(Array.from(maskFromArray([0, 100, 200], 128))).toEqual([0, 0, 1]);
    expect(() => maskToScoreMap(mask, 2, 2)).toThrow(RangeError);
  });

  it('area, box (pixel-edge) and IoU', () => {
    const a = Uint8Array.from([0, 1, 1, 0, 0, 1]);
    const b = Uint8Array.from([0, 1, 0, 0, 1, 1]);
    expect(maskArea(a)).toBe(3);
    expect(maskBox(a, 3, 2)).toEqual({ x0: 1, y0: 0, x1: 3, y1: 2 });
    expect(maskBox(new Uint8Array(6), 3, 2)).toBeNull();
    expect(maskIoU(a, b)).toBe(2 / 4);
    expect(maskIoU(new Uint8Array(2), new Uint8Array(2))).toBe(1);
  });
});
