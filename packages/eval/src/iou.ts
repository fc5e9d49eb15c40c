/**
 * Box conventions and intersection over union.
 *
 * Two conventions live side by side and each has its own function, so that no caller mixes them
 * by accident:
 * - **inclusive** (wsolevaluation, PASCAL VOC devkit): a box [x0, y0, x1, y1] covers the pixels
 *   x0..x1 and y0..y1 *inclusive*, so its area is (x1 - x0 + 1) * (y1 - y0 + 1). A box
 *   [0, 0, 0, 0] is one pixel. This is what wsolevaluation's `calculate_multiple_iou` computes,
 *   including its rule that a non-positive union gives IoU 0.
 * - **continuous** (pixel edges, the convention of `Box` in @cam-localize/core): x1 and y1 are
 *   the right/bottom edges, the area is (x1 - x0) * (y1 - y0); an empty union gives IoU 0.
 */
import type { Box } from '@cam-localize/core';

/** Which IoU convention to apply. */
export type IouConvention = 'inclusive' | 'continuous';

/**
 * IoU with inclusive pixel counting, exactly as wsolevaluation's `calculate_multiple_iou`:
 * intersection = max(0, min(x1) - max(x0) + 1) * max(0, min(y1) - max(y0) + 1),
 * area = (x1 - x0 + 1) * (y1 - y0 + 1), union = area_a + area_b - intersection,
 * and a union <= 0 gives 0 (not NaN).
 */
export function iouInclusive(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) + 1);
  const ih = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) + 1);
  const inter = iw * ih;
  const areaA = (a.x1 - a.x0 + 1) * (a.y1 - a.y0 + 1);
  const areaB = (b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1);
  const union = areaA + areaB - inter;
  return union <= 0 ? 0 : inter / union;
}

/**
 * IoU of boxes in pixel-edge (continuous) coordinates: area = (x1 - x0) * (y1 - y0).
 * Degenerate boxes have area 0; a union <= 0 gives 0.
 */
export function iouContinuous(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const ih = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const inter = iw * ih;
  const areaA = Math.max(0, a.x1 - a.x0) * Math.max(0, a.y1 - a.y0);
  const areaB = Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);
  const union = areaA + areaB - inter;
  return union <= 0 ? 0 : inter / union;
}

/** The IoU function of a convention. */
export function iouFunction(convention: IouConvention): (a: Box, b: Box) => number {
  return convention === 'inclusive' ? iouInclusive : iouContinuous;
}

/**
 * All pairwise IoUs: a row-major Float64Array of `a.length * b.length` values, entry
 * `i * b.length + j` being IoU(a[i], b[j]) (wsolevaluation's `multiple_iou` layout).
 */
export function iouMatrix(
  a: readonly Box[],
  b: readonly Box[],
  convention: IouConvention = 'inclusive',
): Float64Array {
  const iou = iouFunction(convention);
  const out = new Float64Array(a.length * b.length);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    for (let j = 0; j < b.length; j++) out[i * b.length + j] = iou(ai, b[j]!);
  }
  return out;
}

/** The largest IoU over all pairs of `predicted` x `truth`; 0 when either list is empty. */
export function maxIou(
  predicted: readonly Box[],
  truth: readonly Box[],
  convention: IouConvention = 'inclusive',
): number {
  const iou = iouFunction(convention);
  let best = 0;
  for (const p of predicted) {
    for (const t of truth) {
      const v = iou(p, t);
      if (v > best) best = v;
    }
  }
  return best;
}

/**
 * wsolevaluation's `resize_bbox`: scale a box from an image of `fromW x fromH` to one of
 * `toW x toH` (in float64, x * toW / fromW) and truncate each coordinate towards zero like
 * Python's `int()`. Example: (1, 2, 4, 3) from (10, 20) to (35, 10) gives (3, 1, 14, 1).
 */
export function resizeBoxWsol(box: Box, fromW: number, fromH: number, toW: number, toH: number): Box {
  return {
    x0: Math.trunc((box.x0 * toW) / fromW),
    y0: Math.trunc((box.y0 * toH) / fromH),
    x1: Math.trunc((box.x1 * toW) / fromW),
    y1: Math.trunc((box.y1 * toH) / fromH),
  };
}
