import { describe, expect, it } from 'vitest';
import {
  normalizeMinMaxWsol,
  normalizeMinMaxWsol64,
  PROTOCOLS,
  TOOL_DEFAULTS,
  WSOL_PROTOCOL,
} from '../src/evaluation-protocol.js';

describe('protocols', () => {
  it('names the wsolevaluation conventions', () => {
    expect(WSOL_PROTOCOL).toMatchObject({
      resize: { width: 224, height: 224, crop: false },
      gtBoxes: 'resize-truncate',
      camClass: 'ground-truth',
      relu: false,
      upsample: 'bicubic',
      thresholdInterval: 0.001,
      iouThresholds: [30, 50, 70],
      multiContour: true,
      iou: 'inclusive',
    });
    expect(PROTOCOLS.wsolevaluation).toBe(WSOL_PROTOCOL);
    expect(PROTOCOLS['cam-localize']).toBe(TOOL_DEFAULTS);
    expect(Object.isFrozen(WSOL_PROTOCOL)).toBe(true);
  });
});

describe('normalizeMinMaxWsol (normalize_scoremap)', () => {
  it('subtracts the min then divides by the new max, in float64', () => {
    const out = normalizeMinMaxWsol64([2, 4, 3, 6]);
    expect(Array.from(out)).toEqual([0, 0.5, 0.25, 1]);
    // 0.1 - 0.1 style rounding happens in float64 exactly as numpy: (v - min) / (max - min).
    const v = [0.1, 0.7, 0.3];
    const r = normalizeMinMaxWsol64(v);
    expect(r[1]).toBe(1);
    expect(r[2]).toBe((0.3 - 0.1) / (0.7 - 0.1));
  });
  it('gives zeros for a constant map and for NaN or infinite values', () => {
    expect(Array.from(normalizeMinMaxWsol64([3, 3, 3]))).toEqual([0, 0, 0]);
    expect(Array.from(normalizeMinMaxWsol64([0, Number.NaN, 1]))).toEqual([0, 0, 0]);
    expect(Array.from(normalizeMinMaxWsol64([0, Number.POSITIVE_INFINITY, 1]))).toEqual([0, 0, 0]);
  });
  it('keeps negative values (no ReLU) and returns a float32 map', () => {
    const map = normalizeMinMaxWsol({ width: 3, height: 1, data: Float32Array.from([-2, 0, 2]) });
    expect(map.data).toBeInstanceOf(Float32Array);
    expect(Array.from(map.data)).toEqual([0, 0.5, 1]);
    expect([map.width, map.height]).toEqual([3, 1]);
  });
});
