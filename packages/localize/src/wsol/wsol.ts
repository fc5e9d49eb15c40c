/**
 * Boxes exactly as wsolevaluation computes them (Choe et al., CVPR 2020,
 * `compute_bboxes_from_scoremaps`), one threshold at a time:
 *
 * ```python
 * scoremap_image = (scoremap * 255).astype(np.uint8)
 * _, thr = cv2.threshold(scoremap_image, int(t * np.max(scoremap_image)), 255, cv2.THRESH_BINARY)
 * contours = cv2.findContours(thr, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)[0]
 * if len(contours) == 0: return [[0, 0, 0, 0]]
 * if not multi_contour_eval: contours = [max(contours, key=cv2.contourArea)]
 * for c in contours: x, y, w, h = cv2.boundingRect(c)
 *     box = [x, y, min(x + w, W - 1), min(y + h, H - 1)]
 * ```
 *
 * Boxes use the `Box` struct of @cam-localize/core but hold wsolevaluation's numbers as they are
 * (x1 = x + w, clipped to W - 1: neither pixel-edge nor inclusive, the protocol's own convention;
 * eval's IoU counts them inclusively, as wsolevaluation does).
 *
 * This is the slow path (a full contour trace per threshold); `wsolBoxSweep` gives the same boxes
 * for many thresholds at once.
 */
import type { Box, ScoreMap } from '@cam-localize/core';
import { boundingRect, contourArea, findContoursTree } from './opencv-contours.js';

export interface WsolOptions {
  /** wsolevaluation's `multi_contour_eval`: one box per contour (true) or only the largest (false). */
  readonly multiContour: boolean;
}

/** The box wsolevaluation gives when there is no contour. */
export const EMPTY_WSOL_BOX: Box = Object.freeze({ x0: 0, y0: 0, x1: 0, y1: 0 });

/**
 * numpy `(scoremap * 255).astype(np.uint8)` on a float32 map: the product is rounded to float32
 * (Math.fround) and truncated toward zero. Maps are expected in [0, 1]; outside it this returns what
 * numpy gives on x86-64 (checked against numpy 1.24): values wrap modulo 256 (-0.5 -> 129,
 * 1.5 -> 126), and NaN and +-Infinity give 0.
 */
export function quantizeScoreMap(map: ScoreMap): Uint8Array {
  const data = map.data;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.fround(data[i]! * 255);
    if (v >= 0 && v < 256)
      out[i] = v; // the common case: Uint8Array stores truncate
    else if (v - v === 0 && Math.abs(v) < 9.2e18) out[i] = ((Math.trunc(v) % 256) + 256) % 256;
    else out[i] = 0;
  }
  return out;
}

/** Largest value of a quantised map (0 for an empty one). */
export function quantizedMax(q: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < q.length; i++) if (q[i]! > m) m = q[i]!;
  return m;
}

/**
 * The quantised cut-off of threshold `t`: python `int(t * max(q))` (truncation toward zero).
 * Foreground is `q > cutoff`. Throws RangeError for a NaN or infinite threshold (python raises too).
 */
export function wsolCutoff(t: number, maxQ: number): number {
  const c = Math.trunc(t * maxQ);
  if (!Number.isFinite(c)) throw new RangeError(`threshold must be a finite number, got ${t}`);
  return c === 0 ? 0 : c; // no -0
}

/** The binary image wsolevaluation hands to cv2.findContours at threshold t (1 = foreground). */
export function wsolForeground(q: Uint8Array, t: number): Uint8Array {
  const cut = wsolCutoff(t, quantizedMax(q));
  const out = new Uint8Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i]! > cut ? 1 : 0;
  return out;
}

/** One box from a contour's bounding rectangle, clipped as wsolevaluation clips it. */
export function wsolBoxOfRect(
  x: number,
  y: number,
  w: number,
  h: number,
  width: number,
  height: number,
): Box {
  return { x0: x, y0: y, x1: Math.min(x + w, width - 1), y1: Math.min(y + h, height - 1) };
}

/** Boxes of a binary image as wsolevaluation derives them from the contours. */
export function wsolBoxesOfMask(
  mask: Uint8Array,
  width: number,
  height: number,
  options: WsolOptions,
): Box[] {
  const contours = findContoursTree(mask, width, height);
  if (contours.length === 0) return [EMPTY_WSOL_BOX];
  let chosen = contours;
  if (!options.multiContour) {
    // python max(): the first of equal maxima.
    let best = contours[0]!;
    let bestArea = contourArea(best.points);
    for (let i = 1; i < contours.length; i++) {
      const a = contourArea(contours[i]!.points);
      if (a > bestArea) {
        bestArea = a;
        best = contours[i]!;
      }
    }
    chosen = [best];
  }
  return chosen.map((c) => {
    const [x, y, w, h] = boundingRect(c.points);
    return wsolBoxOfRect(x, y, w, h, width, height);
  });
}

/**
 * wsolevaluation's boxes for one threshold `t` (in [0, 1) on its grid; any finite number works:
 * t >= 1 gives [[0,0,0,0]], t < 0 makes every pixel foreground).
 */
export function wsolBoxes(map: ScoreMap, t: number, options: WsolOptions): Box[] {
  const q = quantizeScoreMap(map);
  return wsolBoxesOfMask(wsolForeground(q, t), map.width, map.height, options);
}
