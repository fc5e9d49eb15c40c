/**
 * The wsolevaluation many-threshold sweep: wsolevaluation's boxes (see wsol/wsol.ts) at every threshold of a grid,
 * in one pass over the pixels instead of one contour trace per threshold. This is the hot path of
 * the evaluation (MaxBoxAcc scans 1000 thresholds per image).
 *
 * `wsolBoxSweepQuantized` (about 190 lines) stays one function, an algorithm kernel: one loop
 * over the levels whose union-find state, snapshots and typed-array scratch are shared by every
 * step; split into calls, the state would travel as arguments on the hottest path.
 *
 * Why it works. A quantised map has at most 256 distinct cut-offs c (foreground = q > c), and the
 * contours of cv2.findContours(RETR_TREE) are, exactly:
 * - one outer contour per 8-connected foreground component; its bounding rect is the component's
 *   bounding box (x = min x, w = max x - min x + 1);
 * - one hole contour per 4-connected background region that does not reach the image edge (OpenCV
 *   pads the image with zeros); the hole contour runs through the foreground pixels 4-adjacent to the
 *   region, so its bounding rect is the region's bounding box grown by one pixel on every side.
 * Both are found incrementally: foreground pixels join a union-find in decreasing quantised level
 * (8-connected), background pixels join a second one in increasing level (4-connected, with a
 * virtual "outside" node linked to the image edge); each root keeps its bounding box, its first pixel
 * in raster order and an area term, and a snapshot of the roots is taken at each cut-off that some
 * threshold needs. Links remember the level they were made at (union by rank, no path compression),
 * so "which component held pixel p at level c" is answered afterwards by walking up the links.
 * (Both are the one LevelForest of level-forest.ts.)
 *
 * Areas (for single-box mode, cv2.contourArea of the CHAIN_APPROX_SIMPLE polygon): the polygon through
 * the border pixel centres covers, in every 2x2 window of pixels, the full window when all four pixels
 * are inside it, half of it when three are, nothing otherwise. Hence, counting only each region's own
 * pixels in a window (all foreground pixels of a window belong to one 8-component):
 *   outer(C) = sum over windows of [k=3: 1/2, k=4: 1] + sum over holes H of C of hole(H)
 *   hole(H)  = sum over windows of [k=1: 1/2, k>=2: 1, diagonal pairs 1/2 per pixel] + sum over
 *              components I inside H of outer(I)
 * which are kept incrementally (a window going from k to k+1 pixels adds its difference to the new
 * pixel's root). A hole never wins single-box mode: its parent's outer area is at least its own and
 * the parent comes first in findContours' order.
 *
 * Holes are counted for free during the foreground pass (Gray's bit-quad Euler number over the padded
 * 2x2 windows: holes = components - Euler number), so the background pass only runs up to the highest
 * cut-off that has any hole, and not at all for the usual hole-free CAM.
 *
 * Order. findContours lists contours depth-first, each parent before its children, siblings in
 * reverse discovery order (discovery = raster order of the first pixel of the component, or of the
 * hole). The sweep rebuilds that tree per level (a component's parent is the hole holding the pixel
 * left of its first pixel, a hole's parent the component holding the pixel left of its first pixel),
 * so multi-contour boxes come in cv2's order and single-box ties break as python's max() does.
 *
 * Where the parts are: this file owns the cut-offs, the contour tree per level and the boxes;
 * wsol-foreground-pass.ts and wsol-background-pass.ts the two passes; level-forest.ts the
 * union-find; neighbourhood-tables.ts the padded grid and the per-mask tables; wsol-scratch.ts the
 * reused memory and the counting sort; threshold-levels.ts the grid and the result shape.
 */
import type { Box, ScoreMap } from '@cam-localize/core';
import { EMPTY_WSOL_BOX, quantizeScoreMap, type WsolOptions, wsolCutoff } from '../wsol/wsol.js';
import { SNAPSHOT_STRIDE as STRIDE } from './level-forest.js';
import type { SweepResult } from './threshold-levels.js';
import { backgroundPass } from './wsol-background-pass.js';
import { foregroundPass } from './wsol-foreground-pass.js';
import { scratchFor, sortByLevel } from './wsol-scratch.js';

/**
 * wsolevaluation's boxes at every threshold, from an already quantised map (see quantizeScoreMap):
 * `levels[levelOfThreshold[i]]` equals `wsolBoxes(map, thresholds[i], options)` box for box, in the
 * same order.
 */
export function wsolBoxSweepQuantized(
  q: Uint8Array,
  width: number,
  height: number,
  thresholds: ArrayLike<number>,
  options: WsolOptions,
): SweepResult {
  const n = width * height;
  if (q.length !== n)
    throw new RangeError(`quantised map has ${q.length} values, expected ${width}x${height}`);
  const multi = options.multiContour;
  const sc = scratchFor(width, height);
  const maxQ = sortByLevel(q, sc);

  // Cut-offs: -1 (every pixel foreground) .. maxQ - 1; anything >= maxQ has no foreground.
  const slotOfCut = new Int32Array(257).fill(-1); // index c + 1
  const levelOfThreshold = new Int32Array(thresholds.length);
  const cuts: number[] = [];
  let emptyLevel = -1;
  let nLevels = 0;
  let minCut = 255;
  for (let i = 0; i < thresholds.length; i++) {
    let c = wsolCutoff(thresholds[i]!, maxQ);
    if (c >= maxQ) {
      if (emptyLevel < 0) emptyLevel = nLevels++;
      levelOfThreshold[i] = emptyLevel;
      continue;
    }
    if (c < -1) c = -1;
    let slot = slotOfCut[c + 1]!;
    if (slot < 0) {
      slot = nLevels++;
      slotOfCut[c + 1] = slot;
      cuts.push(c);
      if (c < minCut) minCut = c;
    }
    levelOfThreshold[i] = slot;
  }
  const levels: Box[][] = new Array(nLevels);
  if (emptyLevel >= 0) levels[emptyLevel] = [EMPTY_WSOL_BOX];
  if (cuts.length === 0) return { levels, levelOfThreshold };

  // ---- Foreground: q > c, 8-connected, levels from high to low. ----
  const fgFrom = new Int32Array(257);
  const fgTo = new Int32Array(257);
  const holesAt = new Int32Array(257);
  foregroundPass(sc, minCut, slotOfCut, fgFrom, fgTo, holesAt, !multi);
  // The background pass is only needed up to the highest cut-off that has holes.
  let maxHoleCut = -1;
  for (const c of cuts) if (holesAt[c + 1]! > 0 && c > maxHoleCut) maxHoleCut = c;

  // ---- Background: q <= c, 4-connected, levels from low to high; node N is the outside. ----
  const bgFrom = new Int32Array(257);
  const bgTo = new Int32Array(257);
  if (maxHoleCut >= 0) backgroundPass(sc, maxHoleCut, slotOfCut, bgFrom, bgTo, !multi);

  // ---- Per level: the contour tree, then boxes. ----
  const fs = sc.fgSnap.data;
  const bs = sc.bgSnap.data;
  const xMax = width - 1;
  const yMax = height - 1;
  const outerBox = (minX: number, minY: number, maxX: number, maxY: number): Box => ({
    x0: minX,
    y0: minY,
    x1: Math.min(maxX + 1, xMax),
    y1: Math.min(maxY + 1, yMax),
  });
  const holeBox = (minX: number, minY: number, maxX: number, maxY: number): Box => ({
    x0: minX - 1,
    y0: minY - 1,
    x1: Math.min(maxX + 2, xMax),
    y1: Math.min(maxY + 2, yMax),
  });

  for (const c of cuts) {
    const slot = slotOfCut[c + 1]!;
    const f0 = fgFrom[c + 1]!;
    const f1 = fgTo[c + 1]!;
    const nC = (f1 - f0) / STRIDE;
    if (nC === 0) {
      levels[slot] = [EMPTY_WSOL_BOX];
      continue;
    }
    const nH = c <= maxHoleCut ? (bgTo[c + 1]! - bgFrom[c + 1]!) / STRIDE : 0;
    if (nH === 0) {
      // Every component is top level: cv2 lists them in reverse raster order of their first pixel.
      if (nC === 1) {
        levels[slot] = [outerBox(fs[f0 + 2]!, fs[f0 + 3]!, fs[f0 + 4]!, fs[f0 + 5]!)];
      } else if (multi) {
        const idx = new Int32Array(nC);
        for (let k = 0; k < nC; k++) idx[k] = k;
        idx.sort((a, b) => fs[f0 + b * STRIDE + 1]! - fs[f0 + a * STRIDE + 1]!);
        const boxes: Box[] = new Array(nC);
        for (let k = 0; k < nC; k++) {
          const o = f0 + idx[k]! * STRIDE;
          boxes[k] = outerBox(fs[o + 2]!, fs[o + 3]!, fs[o + 4]!, fs[o + 5]!);
        }
        levels[slot] = boxes;
      } else {
        let best = f0;
        for (let o = f0 + STRIDE; o < f1; o += STRIDE) {
          const a = fs[o + 6]!;
          const ba = fs[best + 6]!;
          if (a > ba || (a === ba && fs[o + 1]! > fs[best + 1]!)) best = o;
        }
        levels[slot] = [outerBox(fs[best + 2]!, fs[best + 3]!, fs[best + 4]!, fs[best + 5]!)];
      }
      continue;
    }
    levels[slot] = treeLevel(c, nC, nH, f0, bgFrom[c + 1]!);
  }
  return { levels, levelOfThreshold };

  /**
   * Levels with holes: rebuild findContours' tree and walk it. Contours 0..nC-1 are outer, nC..
   * holes. First pixels are padded indices, so "the pixel left of it" is one less in either forest.
   */
  function treeLevel(c: number, nC: number, nH: number, f0: number, b0: number): Box[] {
    const { compOfRoot, holeOfRoot, S } = sc;
    const outside = sc.N;
    const total = nC + nH;
    const firstOf = new Int32Array(total);
    const parentOf = new Int32Array(total).fill(-1);
    const area2 = new Float64Array(total);
    for (let k = 0; k < nC; k++) {
      const o = f0 + k * STRIDE;
      compOfRoot[fs[o]!] = k;
      firstOf[k] = fs[o + 1]!;
      area2[k] = fs[o + 6]!;
    }
    for (let k = 0; k < nH; k++) {
      const o = b0 + k * STRIDE;
      holeOfRoot[bs[o]!] = nC + k;
      firstOf[nC + k] = bs[o + 1]!;
      area2[nC + k] = bs[o + 6]!;
    }
    const fgParent = sc.fg.parent;
    const fgLink = sc.fg.link;
    const bgParent = sc.bg.parent;
    const bgLink = sc.bg.link;
    let outsideRoot = outside;
    while (bgParent[outsideRoot] !== outsideRoot && bgLink[outsideRoot]! <= c)
      outsideRoot = bgParent[outsideRoot]!;
    // A hole's parent: the component holding the pixel left of the hole's first pixel.
    for (let k = 0; k < nH; k++) {
      let p = firstOf[nC + k]! - 1;
      while (fgParent[p] !== p && fgLink[p]! >= c) p = fgParent[p]!;
      parentOf[nC + k] = compOfRoot[p]!;
    }
    // A component's parent: the hole holding the pixel left of its first pixel, if any.
    for (let k = 0; k < nC; k++) {
      const f = firstOf[k]!;
      if (f % S === 1) continue; // x = 0
      let p = f - 1;
      while (bgParent[p] !== p && bgLink[p]! <= c) p = bgParent[p]!;
      if (p !== outsideRoot) parentOf[k] = holeOfRoot[p]!;
    }
    // Children lists in cv2's order (reverse discovery = decreasing first pixel).
    const byFirst = Array.from({ length: total }, (_, k) => k).sort((a, b) => firstOf[b]! - firstOf[a]!);
    const kids: number[][] = Array.from({ length: total + 1 }, () => []);
    for (const k of byFirst) kids[parentOf[k]! < 0 ? total : parentOf[k]!]!.push(k);
    // Pre-order walk.
    const pre: number[] = [];
    const stack: number[] = [];
    for (let i = kids[total]!.length - 1; i >= 0; i--) stack.push(kids[total]![i]!);
    while (stack.length > 0) {
      const k = stack.pop()!;
      pre.push(k);
      const ch = kids[k]!;
      for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]!);
    }
    const boxOf = (k: number): Box => {
      if (k < nC) {
        const o = f0 + k * STRIDE;
        return outerBox(fs[o + 2]!, fs[o + 3]!, fs[o + 4]!, fs[o + 5]!);
      }
      const o = b0 + (k - nC) * STRIDE;
      return holeBox(bs[o + 2]!, bs[o + 3]!, bs[o + 4]!, bs[o + 5]!);
    };
    if (multi) return pre.map(boxOf);
    // Polygon areas: children add to their parents (reverse pre-order visits children first).
    for (let i = pre.length - 1; i >= 0; i--) {
      const k = pre[i]!;
      const par = parentOf[k]!;
      if (par >= 0) area2[par]! += area2[k]!;
    }
    let best = pre[0]!;
    for (const k of pre) if (area2[k]! > area2[best]!) best = k;
    return [boxOf(best)];
  }
}

/** wsolevaluation's boxes of `map` at every threshold (see wsolBoxSweepQuantized). */
export function wsolBoxSweep(
  map: ScoreMap,
  thresholds: ArrayLike<number>,
  options: WsolOptions,
): SweepResult {
  return wsolBoxSweepQuantized(quantizeScoreMap(map), map.width, map.height, thresholds, options);
}
