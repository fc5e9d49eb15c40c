/**
 * The many-threshold sweep: wsolevaluation's boxes (see wsol/wsol.ts) at every threshold of a grid,
 * in one pass over the pixels instead of one contour trace per threshold. This is the hot path of
 * the evaluation (MaxBoxAcc scans 1000 thresholds per image).
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
 * threshold needs. Links remember the level they were made at (union by size, no path compression),
 * so "which component held pixel p at level c" is answered afterwards by walking up the links.
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
 */
import type { Box, ScoreMap } from '@cam-localize/core';
import type { BoxMode } from './boxes.js';
import { EMPTY_WSOL_BOX, quantizedMax, quantizeScoreMap, type WsolOptions, wsolCutoff } from './wsol/wsol.js';

export interface SweepResult {
  /** Distinct box lists; several thresholds may share one. */
  readonly levels: Box[][];
  /** For threshold i, its boxes are `levels[levelOfThreshold[i]]`. */
  readonly levelOfThreshold: Int32Array;
}

/**
 * numpy `np.arange(0, 1, interval)`: length ceil(1 / interval), values i * interval (numpy computes
 * start + i * delta, not a running sum), so 0.001 gives exactly wsolevaluation's 1000 thresholds.
 */
export function thresholdGrid(interval = 0.001): Float64Array {
  if (!(interval > 0) || !Number.isFinite(interval)) {
    throw new RangeError(`threshold grid interval must be a positive number, got ${interval}`);
  }
  const n = Math.ceil((1 - 0) / interval);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 0 + i * interval;
  return out;
}

/** Growable Int32 buffer for snapshots. */
class IntBuffer {
  data = new Int32Array(1024);
  length = 0;
  push7(a: number, b: number, c: number, d: number, e: number, f: number, g: number): void {
    if (this.length + 7 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const d0 = this.data;
    const k = this.length;
    d0[k] = a;
    d0[k + 1] = b;
    d0[k + 2] = c;
    d0[k + 3] = d;
    d0[k + 4] = e;
    d0[k + 5] = f;
    d0[k + 6] = g;
    this.length = k + 7;
  }
}

const STRIDE = 7; // root, first, minX, minY, maxX, maxY, area2 (twice the area term)

/** Per-root statistics, one 8-int record per pixel (only roots' records are meaningful). */
const S_SIZE = 0;
const S_FIRST = 1;
const S_MINX = 2;
const S_MINY = 3;
const S_MAXX = 4;
const S_MAXY = 5;
const S_AREA2 = 6;
const S_LIVEPOS = 7;

/**
 * Union-find over pixels with per-root statistics and link levels (see the module comment). Union by
 * size and no path compression, so that `link` (the level each link was made at) answers "root at
 * level c" afterwards. Root records are interleaved (one cache line per root) because pixels arrive
 * in level order, scattered over the image.
 */
class LevelForest {
  readonly parent: Int32Array;
  readonly link: Int32Array;
  readonly stats: Int32Array;
  readonly live: Int32Array;
  liveCount = 0;
  readonly capacity: number;

  constructor(n: number) {
    this.capacity = n;
    this.parent = new Int32Array(n);
    this.link = new Int32Array(n);
    this.stats = new Int32Array(n * 8);
    this.live = new Int32Array(n);
  }

  /** A new root for pixel p at (x, y). */
  make(p: number, x: number, y: number): void {
    this.parent[p] = p;
    const s = this.stats;
    const o = p << 3;
    s[o + S_SIZE] = 1;
    s[o + S_FIRST] = p;
    s[o + S_MINX] = x;
    s[o + S_MAXX] = x;
    s[o + S_MINY] = y;
    s[o + S_MAXY] = y;
    s[o + S_AREA2] = 0;
    s[o + S_LIVEPOS] = this.liveCount;
    this.live[this.liveCount++] = p;
  }

  /** Pixel p at (x, y) joins root r, linked at `level`. */
  attach(p: number, x: number, y: number, r: number, level: number): void {
    this.parent[p] = r;
    this.link[p] = level;
    const s = this.stats;
    const o = r << 3;
    s[o + S_SIZE]!++;
    if (p < s[o + S_FIRST]!) s[o + S_FIRST] = p;
    if (x < s[o + S_MINX]!) s[o + S_MINX] = x;
    else if (x > s[o + S_MAXX]!) s[o + S_MAXX] = x;
    if (y < s[o + S_MINY]!) s[o + S_MINY] = y;
    else if (y > s[o + S_MAXY]!) s[o + S_MAXY] = y;
  }

  find(p: number): number {
    const parent = this.parent;
    while (parent[p] !== p) p = parent[p]!;
    return p;
  }

  size(r: number): number {
    return this.stats[(r << 3) + S_SIZE]!;
  }

  /** Links distinct roots a and b at level `level`; returns the surviving root. */
  unite(a: number, b: number, level: number): number {
    const s = this.stats;
    if (s[(a << 3) + S_SIZE]! < s[(b << 3) + S_SIZE]!) {
      const t = a;
      a = b;
      b = t;
    }
    this.parent[b] = a;
    this.link[b] = level;
    const oa = a << 3;
    const ob = b << 3;
    s[oa + S_SIZE]! += s[ob + S_SIZE]!;
    if (s[ob + S_FIRST]! < s[oa + S_FIRST]!) s[oa + S_FIRST] = s[ob + S_FIRST]!;
    if (s[ob + S_MINX]! < s[oa + S_MINX]!) s[oa + S_MINX] = s[ob + S_MINX]!;
    if (s[ob + S_MINY]! < s[oa + S_MINY]!) s[oa + S_MINY] = s[ob + S_MINY]!;
    if (s[ob + S_MAXX]! > s[oa + S_MAXX]!) s[oa + S_MAXX] = s[ob + S_MAXX]!;
    if (s[ob + S_MAXY]! > s[oa + S_MAXY]!) s[oa + S_MAXY] = s[ob + S_MAXY]!;
    s[oa + S_AREA2]! += s[ob + S_AREA2]!;
    // Drop b from the live roots (swap with the last).
    const pos = s[ob + S_LIVEPOS]!;
    const last = this.live[--this.liveCount]!;
    this.live[pos] = last;
    s[(last << 3) + S_LIVEPOS] = pos;
    return a;
  }

  snapshot(out: IntBuffer, skip: number): void {
    const s = this.stats;
    for (let k = 0; k < this.liveCount; k++) {
      const r = this.live[k]!;
      if (r === skip) continue;
      const o = r << 3;
      out.push7(
        r,
        s[o + S_FIRST]!,
        s[o + S_MINX]!,
        s[o + S_MINY]!,
        s[o + S_MAXX]!,
        s[o + S_MAXY]!,
        s[o + S_AREA2]!,
      );
    }
  }
}

/**
 * Forests are reused between calls (two slots: foreground and background): none of their arrays
 * needs clearing, every entry is written before it is read, and allocating and zeroing ~4 MB per
 * 224x224 map would cost as much as the sweep itself.
 */
const forests: (LevelForest | undefined)[] = [undefined, undefined];
function scratchForest(slot: 0 | 1, n: number): LevelForest {
  let f = forests[slot];
  if (f === undefined || f.capacity < n || f.capacity > 4 * n + 4096) {
    f = new LevelForest(n);
    forests[slot] = f;
  }
  f.liveCount = 0;
  return f;
}

/*
 * 2x2 windows over the zero-padded image: window (wx, wy), 0 <= wx <= W, 0 <= wy <= H, covers pixels
 * (wx-1..wx, wy-1..wy); its pattern bits are TL=1, TR=2, BL=4, BR=8. Pixel (x, y) is BR of window
 * (x, y), BL of (x+1, y), TR of (x, y+1) and TL of (x+1, y+1).
 * EULER: Gray's bit-quad weights for 8-connected foreground, E = sum / 4 = components - holes
 * (Q1: +1, Q3: -1, diagonal pairs: -2). FG_AREA / BG_AREA: 1 when a window that just gained a pixel
 * holds 3-4 (foreground) or 1-2 (background) pixels: the area terms of the module comment.
 */
const EULER = Int8Array.from([0, 1, 1, 0, 1, 0, -2, -1, 1, -2, 0, -1, 0, -1, -1, 0]);
const POPCOUNT = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];
const FG_AREA = Int8Array.from(POPCOUNT.map((k) => (k >= 3 ? 1 : 0)));
const BG_AREA = Int8Array.from(POPCOUNT.map((k) => (k <= 2 ? 1 : 0)));

/** Pixel indices ordered by quantised level (counting sort); `start[v]..start[v+1]` hold level v. */
function sortByLevel(q: Uint8Array): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(258);
  for (let i = 0; i < q.length; i++) start[q[i]! + 1]!++;
  for (let v = 1; v < 258; v++) start[v]! += start[v - 1]!;
  const fill = start.slice(0, 257);
  const order = new Int32Array(q.length);
  for (let i = 0; i < q.length; i++) order[fill[q[i]!]!++] = i;
  return { order, start };
}

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
  const maxQ = quantizedMax(q);

  // Cut-offs: -1 (every pixel foreground) .. maxQ - 1; anything >= maxQ has no foreground.
  const slotOfCut = new Int32Array(257).fill(-1); // index c + 1
  const levelOfThreshold = new Int32Array(thresholds.length);
  const cuts: number[] = [];
  let emptyLevel = -1;
  const levelCut: number[] = []; // per level: its cut-off, or 256 for the empty level
  for (let i = 0; i < thresholds.length; i++) {
    let c = wsolCutoff(thresholds[i]!, maxQ);
    if (c >= maxQ) {
      if (emptyLevel < 0) {
        emptyLevel = levelCut.length;
        levelCut.push(256);
      }
      levelOfThreshold[i] = emptyLevel;
      continue;
    }
    if (c < -1) c = -1;
    let slot = slotOfCut[c + 1]!;
    if (slot < 0) {
      slot = levelCut.length;
      slotOfCut[c + 1] = slot;
      levelCut.push(c);
      cuts.push(c);
    }
    levelOfThreshold[i] = slot;
  }
  const levels: Box[][] = new Array(levelCut.length);
  if (emptyLevel >= 0) levels[emptyLevel] = [EMPTY_WSOL_BOX];
  if (cuts.length === 0) return { levels, levelOfThreshold };
  let minCut = 255;
  for (const c of cuts) if (c < minCut) minCut = c;

  const { order, start } = sortByLevel(q);

  // ---- Foreground: q > c, 8-connected, levels from high to low. ----
  const fg = scratchForest(0, n);
  const fgSnap = new IntBuffer();
  const fgFrom = new Int32Array(257);
  const fgTo = new Int32Array(257);
  const holesAt = new Int32Array(257);
  foregroundPass(fg, order, start, width, height, minCut, slotOfCut, fgSnap, fgFrom, fgTo, holesAt);
  // The background pass is only needed up to the highest cut-off that has holes.
  let maxHoleCut = -1;
  for (const c of cuts) if (holesAt[c + 1]! > 0 && c > maxHoleCut) maxHoleCut = c;

  // ---- Background: q <= c, 4-connected, levels from low to high; node n is the outside. ----
  const bg = scratchForest(1, n + 1);
  const bgSnap = new IntBuffer();
  const bgFrom = new Int32Array(257);
  const bgTo = new Int32Array(257);
  const outside = n;
  backgroundPass(bg, order, start, width, height, maxHoleCut, slotOfCut, bgSnap, bgFrom, bgTo);

  // ---- Per level: the contour tree, then boxes. ----
  const fs = fgSnap.data;
  const bs = bgSnap.data;
  const compOfRoot = new Int32Array(n + 1);
  const holeOfRoot = new Int32Array(n + 1);
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
    const b0 = bgFrom[c + 1]!;
    const b1 = bgTo[c + 1]!;
    const nH = (b1 - b0) / STRIDE;
    if (nH === 0) {
      // Every component is top level: cv2 lists them in reverse raster order of their first pixel.
      if (multi) {
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
    levels[slot] = treeLevel(c, nC, nH, f0, b0);
  }
  return { levels, levelOfThreshold };

  /** Levels with holes: rebuild findContours' tree and walk it. Contours 0..nC-1 are outer, nC.. holes. */
  function treeLevel(c: number, nC: number, nH: number, f0: number, b0: number): Box[] {
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
    const fgParent = fg.parent;
    const fgLink = fg.link;
    const bgParent = bg.parent;
    const bgLink = bg.link;
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
      if (f % width === 0) continue;
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

/**
 * Foreground pixels (q > c) join in decreasing level, 8-connected; a snapshot of the components is
 * taken at every needed cut-off. Also keeps the outer-area term (2x2 windows reaching 3 or 4 pixels).
 */
function foregroundPass(
  f: LevelForest,
  order: Int32Array,
  start: Int32Array,
  width: number,
  height: number,
  minCut: number,
  slotOfCut: Int32Array,
  snap: IntBuffer,
  from: Int32Array,
  to: Int32Array,
  holes: Int32Array,
): void {
  const { parent, stats } = f;
  const n = width * height;
  const added = new Uint8Array(n);
  const w1 = width - 1;
  const h1 = height - 1;
  const pw = width + 1;
  const pat = new Uint8Array(pw * (height + 1));
  let euler4 = 0; // 4 x (components - holes)
  // (p + 0.5) / width = y + (x + 0.5) / width stays at least 0.5 / width away from an integer, far
  // more than the rounding error of the product, so the multiplication truncates to y exactly.
  const invW = 1 / width;
  /** Root of present pixel nb merged with r (-1: none yet) at level c. */
  const merge = (r: number, nb: number, c: number): number => {
    let b = nb;
    while (parent[b] !== b) b = parent[b]!;
    return r < 0 ? b : b === r ? r : f.unite(r, b, c);
  };
  for (let c = 254; c >= minCut; c--) {
    const v = c + 1; // pixels of level v join when the cut-off drops to c
    for (let k = start[v]!, end = start[v + 1]!; k < end; k++) {
      const p = order[k]!;
      const y = ((p + 0.5) * invW) | 0; // p / width without a division (exact: see invW)
      const x = p - y * width;
      const left = x > 0;
      const right = x < w1;
      // Roots of the present 8-neighbours, merged into r (-1: none). A diagonal neighbour is
      // skipped when an edge neighbour next to it is present: it is in that one's component already.
      let r = -1;
      const L = left && added[p - 1] !== 0;
      const R = right && added[p + 1] !== 0;
      if (L) r = merge(r, p - 1, c);
      if (R) r = merge(r, p + 1, c);
      if (y > 0) {
        const u = p - width;
        if (added[u] !== 0) r = merge(r, u, c);
        else {
          if (left && !L && added[u - 1] !== 0) r = merge(r, u - 1, c);
          if (right && !R && added[u + 1] !== 0) r = merge(r, u + 1, c);
        }
      }
      if (y < h1) {
        const d = p + width;
        if (added[d] !== 0) r = merge(r, d, c);
        else {
          if (left && !L && added[d - 1] !== 0) r = merge(r, d - 1, c);
          if (right && !R && added[d + 1] !== 0) r = merge(r, d + 1, c);
        }
      }
      if (r < 0) {
        f.make(p, x, y);
        r = p;
      } else f.attach(p, x, y, r, c);
      added[p] = 1;
      // The four padded windows holding p: Euler number and outer-area terms.
      const w0 = y * pw + x;
      let o = pat[w0]!;
      let m = o | 8;
      pat[w0] = m;
      euler4 += EULER[m]! - EULER[o]!;
      let delta = FG_AREA[m]!;
      o = pat[w0 + 1]!;
      m = o | 4;
      pat[w0 + 1] = m;
      euler4 += EULER[m]! - EULER[o]!;
      delta += FG_AREA[m]!;
      o = pat[w0 + pw]!;
      m = o | 2;
      pat[w0 + pw] = m;
      euler4 += EULER[m]! - EULER[o]!;
      delta += FG_AREA[m]!;
      o = pat[w0 + pw + 1]!;
      m = o | 1;
      pat[w0 + pw + 1] = m;
      euler4 += EULER[m]! - EULER[o]!;
      delta += FG_AREA[m]!;
      if (delta !== 0) stats[(r << 3) + S_AREA2]! += delta;
    }
    if (slotOfCut[c + 1]! >= 0) {
      from[c + 1] = snap.length;
      f.snapshot(snap, -1);
      to[c + 1] = snap.length;
      holes[c + 1] = f.liveCount - euler4 / 4;
    }
  }
}

/**
 * Background pixels (q <= c) join in increasing level, 4-connected, with node `width * height` as
 * the outside (linked to every edge pixel); snapshots of the other regions (the holes) at every
 * needed cut-off. Also keeps the hole-area term (2x2 windows reaching 1 or 2 background pixels).
 */
function backgroundPass(
  f: LevelForest,
  order: Int32Array,
  start: Int32Array,
  width: number,
  height: number,
  maxCut: number,
  slotOfCut: Int32Array,
  snap: IntBuffer,
  from: Int32Array,
  to: Int32Array,
): void {
  const { parent, stats } = f;
  const n = width * height;
  const outside = n;
  f.make(outside, 0, 0);
  stats[(outside << 3) + S_SIZE] = n + 1; // stays the root of whatever it joins
  const added = new Uint8Array(n);
  const w1 = width - 1;
  const h1 = height - 1;
  const pw = width + 1;
  const pat = new Uint8Array(pw * (height + 1));
  const invW = 1 / width;
  for (let c = 0; c <= maxCut; c++) {
    for (let k = start[c]!, end = start[c + 1]!; k < end; k++) {
      const p = order[k]!;
      const y = ((p + 0.5) * invW) | 0;
      const x = p - y * width;
      let r = x === 0 || y === 0 || x === w1 || y === h1 ? outside : -1;
      for (let j = 0; j < 4; j++) {
        let nb: number;
        if (j === 0) {
          if (x === 0) continue;
          nb = p - 1;
        } else if (j === 1) {
          if (x === w1) continue;
          nb = p + 1;
        } else if (j === 2) {
          if (y === 0) continue;
          nb = p - width;
        } else {
          if (y === h1) continue;
          nb = p + width;
        }
        if (added[nb] === 0) continue;
        let b = nb;
        while (parent[b] !== b) b = parent[b]!;
        if (r < 0) r = b;
        else if (b !== r) r = f.unite(r, b, c);
      }
      if (r < 0) {
        f.make(p, x, y);
        r = p;
      } else f.attach(p, x, y, r, c);
      added[p] = 1;
      // A window reaching 1 or 2 background pixels adds 1/2 to the new pixel's region.
      const w0 = y * pw + x;
      let delta = BG_AREA[(pat[w0] = pat[w0]! | 8)]!;
      delta += BG_AREA[(pat[w0 + 1] = pat[w0 + 1]! | 4)]!;
      delta += BG_AREA[(pat[w0 + pw] = pat[w0 + pw]! | 2)]!;
      delta += BG_AREA[(pat[w0 + pw + 1] = pat[w0 + pw + 1]! | 1)]!;
      if (delta !== 0) stats[(r << 3) + S_AREA2]! += delta;
    }
    if (slotOfCut[c + 1]! >= 0) {
      from[c + 1] = snap.length;
      f.snapshot(snap, outside);
      to[c + 1] = snap.length;
    }
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

export interface BoxSweepOptions {
  /** Default 'largest'. */
  readonly mode?: BoxMode;
  /** Default 8. */
  readonly connectivity?: 4 | 8;
  /** Default 1. */
  readonly minArea?: number;
}

/**
 * The tool's own boxes (boxesFromMap with a fraction-of-maximum threshold) at many thresholds in one
 * pass: `levels[levelOfThreshold[i]]` equals
 * `boxesFromMap(map, { threshold: { kind: 'fraction', value: fractions[i] }, mode, connectivity, minArea })`.
 * Pixels join a union-find in decreasing value; a snapshot is taken at each distinct cut-off.
 */
export function boxSweep(
  map: ScoreMap,
  fractions: ArrayLike<number>,
  options: BoxSweepOptions = {},
): SweepResult {
  const { width, height, data } = map;
  const n = width * height;
  const mode = options.mode ?? 'largest';
  const eight = (options.connectivity ?? 8) === 8;
  const minArea = options.minArea ?? 1;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (data[i]! > max) max = data[i]!;
  // Distinct cut-offs, as thresholdValue computes them.
  const levelOfThreshold = new Int32Array(fractions.length);
  const slot = new Map<number, number>();
  const cutsList: number[] = [];
  for (let i = 0; i < fractions.length; i++) {
    let cut = max === Number.NEGATIVE_INFINITY ? Number.POSITIVE_INFINITY : fractions[i]! * max;
    if (Number.isNaN(cut)) cut = Number.POSITIVE_INFINITY; // NaN: nothing is greater
    let s = slot.get(cut);
    if (s === undefined) {
      s = cutsList.length;
      slot.set(cut, s);
      cutsList.push(cut);
    }
    levelOfThreshold[i] = s;
  }
  const levels: Box[][] = new Array(cutsList.length);
  // Non-NaN pixels by decreasing value.
  let m = 0;
  const order0 = new Uint32Array(n);
  for (let i = 0; i < n; i++) if (!Number.isNaN(data[i]!)) order0[m++] = i;
  const order = order0.subarray(0, m).sort((a, b) => {
    const va = data[a]!;
    const vb = data[b]!;
    return va === vb ? a - b : vb > va ? 1 : -1;
  });
  const byCut = cutsList.map((_, k) => k).sort((a, b) => cutsList[b]! - cutsList[a]! || 0);
  const forest = new LevelForest(n);
  const added = new Uint8Array(n);
  let next = 0;
  const w1 = width - 1;
  const h1 = height - 1;
  for (const k of byCut) {
    const cut = cutsList[k]!;
    while (next < m && data[order[next]!]! > cut) {
      const p = order[next++]!;
      const y = (p / width) | 0;
      const x = p - y * width;
      let r = -1;
      const take = (nb: number): void => {
        if (added[nb] === 0) return;
        const b = forest.find(nb);
        if (r < 0) r = b;
        else if (b !== r) r = forest.unite(r, b, 0);
      };
      if (x > 0) take(p - 1);
      if (x < w1) take(p + 1);
      if (y > 0) {
        take(p - width);
        if (eight && x > 0) take(p - width - 1);
        if (eight && x < w1) take(p - width + 1);
      }
      if (y < h1) {
        take(p + width);
        if (eight && x > 0) take(p + width - 1);
        if (eight && x < w1) take(p + width + 1);
      }
      if (r < 0) forest.make(p, x, y);
      else forest.attach(p, x, y, r, 0);
      added[p] = 1;
    }
    levels[k] = snapshotBoxes(forest, mode, minArea);
  }
  return { levels, levelOfThreshold };
}

function snapshotBoxes(f: LevelForest, mode: BoxMode, minArea: number): Box[] {
  const s = f.stats;
  const roots: number[] = [];
  for (let k = 0; k < f.liveCount; k++) {
    const r = f.live[k]!;
    if (s[(r << 3) + S_SIZE]! >= minArea) roots.push(r);
  }
  if (roots.length === 0) return [];
  const boxOf = (r: number): Box => {
    const o = r << 3;
    return { x0: s[o + S_MINX]!, y0: s[o + S_MINY]!, x1: s[o + S_MAXX]! + 1, y1: s[o + S_MAXY]! + 1 };
  };
  const size = (r: number): number => s[(r << 3) + S_SIZE]!;
  const first = (r: number): number => s[(r << 3) + S_FIRST]!;
  if (mode === 'largest') {
    let best = roots[0]!;
    for (const r of roots) {
      if (size(r) > size(best) || (size(r) === size(best) && first(r) < first(best))) best = r;
    }
    return [boxOf(best)];
  }
  if (mode === 'all') return roots.sort((a, b) => first(a) - first(b)).map(boxOf);
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = 0;
  let y1 = 0;
  for (const r of roots) {
    const o = r << 3;
    x0 = Math.min(x0, s[o + S_MINX]!);
    y0 = Math.min(y0, s[o + S_MINY]!);
    x1 = Math.max(x1, s[o + S_MAXX]! + 1);
    y1 = Math.max(y1, s[o + S_MAXY]! + 1);
  }
  return [{ x0, y0, x1, y1 }];
}
