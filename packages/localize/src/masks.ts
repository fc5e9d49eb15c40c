/**
 * Binary masks from score maps, and the small conversions around them: a mask as a score map (for
 * pixel-level metrics such as PxAP, which compare maps with ground-truth masks), as 8-bit gray
 * (0/255, ready for a PNG encoder elsewhere), its area and its box. Masks are Uint8Array of 0/1,
 * row-major, like everything in this package.
 */
import type { Box, ScoreMap } from '@cam-localize/core';
import { foregroundMask, type ThresholdSpec, thresholdValue } from './threshold.js';
import { quantizeScoreMap, wsolForeground } from './wsol/wsol.js';

/**
 * 0/1 mask of the pixels strictly above a threshold: either a ThresholdSpec (resolved with
 * thresholdValue) or a cut-off in map units. NaN pixels are 0.
 */
export function thresholdMask(map: ScoreMap, threshold: ThresholdSpec | number): Uint8Array {
  const cutoff = typeof threshold === 'number' ? threshold : thresholdValue(map, threshold);
  return foregroundMask(map, cutoff);
}

/** wsolevaluation's foreground at threshold t (quantised map, q > int(t * max q)), as a 0/1 mask. */
export function wsolMask(map: ScoreMap, t: number): Uint8Array {
  return wsolForeground(quantizeScoreMap(map), t);
}

/** A mask as a score map of 0 and 1 (or `on`/`off`). */
export function maskToScoreMap(mask: Uint8Array, width: number, height: number, on = 1, off = 0): ScoreMap {
  if (mask.length !== width * height) {
    throw new RangeError(`mask has ${mask.length} values, expected ${width}x${height}=${width * height}`);
  }
  const data = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) data[i] = mask[i] !== 0 ? on : off;
  return { width, height, data };
}

/** A mask as 8-bit gray, 255 for foreground, for PNG writers. */
export function maskToGray8(mask: Uint8Array, on = 255): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] !== 0 ? on : 0;
  return out;
}

/** A mask from 8-bit gray or any array: non-zero (or >= `cut` when given) is foreground. */
export function maskFromArray(values: ArrayLike<number>, cut?: number): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = (cut === undefined ? v !== 0 && !Number.isNaN(v) : v >= cut) ? 1 : 0;
  }
  return out;
}

/** Number of foreground pixels. */
export function maskArea(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}

/** Pixel-edge box around every foreground pixel, or null for an empty mask. */
export function maskBox(mask: Uint8Array, width: number, height: number): Box | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** Pixel-wise intersection over union of two masks (1 when both are empty). */
export function maskIoU(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`masks differ in size: ${a.length} and ${b.length}`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
