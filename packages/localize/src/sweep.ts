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
 * threshold needs. Links remember the level they were made at (union by rank, no path compression),
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
 *
 * Why this file is still about 1000 lines: it is one algorithm (the incremental contour sweep
 * above), and its passes share the snapshot arrays and the level-stamped links. Issue 14 splits
 * it by concern (one union-find instead of the two near-twin forests, the lookup tables, the
 * quantised wsolevaluation sweep, the background pass, the tool-mode sweep); that is left to that
 * issue, where the benchmark and the 230,400-box cv2 parity can check the move in one piece.
 */
import type { Box, ScoreMap } from '@cam-localize/core';
import type { BoxMode } from './boxes.js';
import { EMPTY_WSOL_BOX, quantizeScoreMap, type WsolOptions, wsolCutoff } from './wsol/wsol.js';

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

/*
 * Pixels live on a grid padded by one pixel on every side (stride S = width + 2): pixel (x, y) is
 * P = (y + 1) * S + x + 1, so the 8 neighbours of any pixel are P + a fixed offset with no border
 * test. Foreground pad cells are never present; background pad cells are present and linked to the
 * outside node (index S * (height + 2)), so an edge pixel reaches the outside through them.
 *
 * A pixel's 8-neighbourhood is read as an 8-bit mask of present neighbours, bit j = NB_DX/NB_DY[j]
 * (NW, N, NE, W, E, SW, S, SE). Everything local is a table lookup on it:
 * - FG_GROUPS: the present neighbours fall into groups that are 8-connected among themselves (a ring:
 *   N touches NW, NE, W and E, ...); one neighbour per group (W first) is enough to find every
 *   component the new pixel touches. Packed as nibbles (neighbour index + 1), 0 = none.
 * - FG_EULER: the change of 4 x the Euler number (Gray's bit quads) over the four padded 2x2 windows
 *   holding the pixel: E = components - holes.
 * - FG_AREA / BG_AREA: the area term of the module comment (windows reaching 3-4 foreground pixels,
 *   or 1-2 background pixels, once the pixel is in).
 */
const NB_DX = [-1, 0, 1, -1, 1, -1, 0, 1];
const NB_DY = [-1, -1, -1, 0, 0, 1, 1, 1];
/** Gray's bit-quad weights for 8-connected foreground, window bits TL=1, TR=2, BL=4, BR=8. */
const EULER_QUAD = [0, 1, 1, 0, 1, 0, -2, -1, 1, -2, 0, -1, 0, -1, -1, 0];
const POPCOUNT = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

const FG_GROUPS = new Int32Array(256);
const FG_EULER = new Int8Array(256);
const FG_AREA = new Int8Array(256);
const BG_AREA = new Int8Array(256);
{
  const GROUP_ORDER = [3, 1, 0, 2, 4, 6, 5, 7]; // representatives: W first (often the previous pixel)
  for (let m = 0; m < 256; m++) {
    const has = (j: number): number => (m >> j) & 1;
    // The four windows holding the pixel, as (bits of the others, the pixel's own bit).
    const windows: [number, number][] = [
      [has(0) * 1 + has(1) * 2 + has(3) * 4, 8], // pixel is BR: NW N / W P
      [has(1) * 1 + has(2) * 2 + has(4) * 8, 4], // pixel is BL: N NE / P E
      [has(3) * 1 + has(5) * 4 + has(6) * 8, 2], // pixel is TR: W P / SW S
      [has(4) * 2 + has(6) * 4 + has(7) * 8, 1], // pixel is TL: P E / S SE
    ];
    let euler = 0;
    let fgArea = 0;
    let bgArea = 0;
    for (const [old, bit] of windows) {
      const now = old | bit;
      euler += EULER_QUAD[now]! - EULER_QUAD[old]!;
      if (POPCOUNT[now]! >= 3) fgArea++;
      if (POPCOUNT[now]! <= 2) bgArea++;
    }
    FG_EULER[m] = euler;
    FG_AREA[m] = fgArea;
    BG_AREA[m] = bgArea;
    // Groups of present neighbours, 8-connected among themselves.
    const group = new Int32Array(8).fill(-1);
    let packed = 0;
    let shift = 0;
    for (const j of GROUP_ORDER) {
      if (!has(j) || group[j]! >= 0) continue;
      group[j] = j;
      const stack = [j];
      while (stack.length > 0) {
        const a = stack.pop()!;
        for (let b = 0; b < 8; b++) {
          if (!has(b) || group[b]! >= 0) continue;
          if (Math.abs(NB_DX[a]! - NB_DX[b]!) <= 1 && Math.abs(NB_DY[a]! - NB_DY[b]!) <= 1) {
            group[b] = j;
            stack.push(b);
          }
        }
      }
      packed |= (j + 1) << shift;
      shift += 4;
    }
    FG_GROUPS[m] = packed;
  }
}

/*
 * The sweep's union-find (see the module comment): link levels, no path compression, union by rank
 * (a new root starts at rank 1, so attaching a pixel to a root never changes its rank and needs no
 * write to the root but its statistics). Per root, one 8-int record: rank, first and last pixel in
 * raster order (padded indices: their rows are the box's top and bottom), min and max padded x, the
 * area term, and the root's position in `live`.
 */
const R_RANK = 0;
const R_FIRST = 1;
const R_LAST = 2;
const R_MINX = 3;
const R_MAXX = 4;
const R_AREA2 = 5;
const R_LIVEPOS = 6;

class PaddedForest {
  readonly parent: Int32Array;
  readonly link: Int32Array;
  readonly stats: Int32Array;
  readonly live: Int32Array;
  liveCount = 0;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.link = new Int32Array(n);
    this.stats = new Int32Array(n * 8);
    this.live = new Int32Array(n);
  }

  /** A new root for pixel P at padded column x. */
  make(P: number, x: number, rank: number): void {
    this.parent[P] = P;
    const s = this.stats;
    const o = P << 3;
    s[o + R_RANK] = rank;
    s[o + R_FIRST] = P;
    s[o + R_LAST] = P;
    s[o + R_MINX] = x;
    s[o + R_MAXX] = x;
    s[o + R_AREA2] = 0;
    s[o + R_LIVEPOS] = this.liveCount;
    this.live[this.liveCount++] = P;
  }

  /** Links distinct roots a and b at level `level`; returns the surviving root. */
  unite(a: number, b: number, level: number): number {
    const s = this.stats;
    const ra = s[(a << 3) + R_RANK]!;
    const rb = s[(b << 3) + R_RANK]!;
    if (ra < rb) {
      const t = a;
      a = b;
      b = t;
    } else if (ra === rb) s[(a << 3) + R_RANK] = ra + 1;
    this.parent[b] = a;
    this.link[b] = level;
    const oa = a << 3;
    const ob = b << 3;
    if (s[ob + R_FIRST]! < s[oa + R_FIRST]!) s[oa + R_FIRST] = s[ob + R_FIRST]!;
    if (s[ob + R_LAST]! > s[oa + R_LAST]!) s[oa + R_LAST] = s[ob + R_LAST]!;
    if (s[ob + R_MINX]! < s[oa + R_MINX]!) s[oa + R_MINX] = s[ob + R_MINX]!;
    if (s[ob + R_MAXX]! > s[oa + R_MAXX]!) s[oa + R_MAXX] = s[ob + R_MAXX]!;
    s[oa + R_AREA2]! += s[ob + R_AREA2]!;
    // Drop b from the live roots (swap with the last).
    const pos = s[ob + R_LIVEPOS]!;
    const last = this.live[--this.liveCount]!;
    this.live[pos] = last;
    s[(last << 3) + R_LIVEPOS] = pos;
    return a;
  }

  /**
   * The live roots but `skip`, as records of STRIDE ints: root, first pixel (padded index), box in
   * unpadded coordinates (minX, minY, maxX, maxY), area term.
   */
  snapshot(out: IntBuffer, skip: number, S: number): void {
    const s = this.stats;
    for (let k = 0; k < this.liveCount; k++) {
      const r = this.live[k]!;
      if (r === skip) continue;
      const o = r << 3;
      const first = s[o + R_FIRST]!;
      out.push7(
        r,
        first,
        s[o + R_MINX]! - 1,
        Math.floor(first / S) - 1,
        s[o + R_MAXX]! - 1,
        Math.floor(s[o + R_LAST]! / S) - 1,
        s[o + R_AREA2]!,
      );
    }
  }
}

/** Scratch reused between calls on maps of one size: nothing here needs clearing but `*Added`. */
interface Scratch {
  readonly width: number;
  readonly height: number;
  /** Padded stride and cell count; N is also the outside node of the background forest. */
  readonly S: number;
  readonly N: number;
  /** Padded pixel indices by quantised level; start[v]..start[v+1] hold level v. */
  readonly order: Int32Array;
  readonly start: Int32Array;
  readonly fill: Int32Array;
  /** Padded column of every padded cell. */
  readonly xOf: Uint16Array;
  readonly fgAdded: Uint8Array;
  readonly bgAdded: Uint8Array;
  readonly fg: PaddedForest;
  readonly bg: PaddedForest;
  readonly fgSnap: IntBuffer;
  readonly bgSnap: IntBuffer;
  readonly compOfRoot: Int32Array;
  readonly holeOfRoot: Int32Array;
  /** Neighbour offsets in the padded grid, in mask-bit order. */
  readonly off: Int32Array;
  /** Per neighbourhood mask: the offset of the first group's representative (FG_GROUPS). */
  readonly rep0: Int32Array;
}
let scratch: Scratch | undefined;
function scratchFor(width: number, height: number): Scratch {
  if (scratch !== undefined && scratch.width === width && scratch.height === height) {
    scratch.fgSnap.length = 0;
    scratch.bgSnap.length = 0;
    scratch.fg.liveCount = 0;
    scratch.bg.liveCount = 0;
    return scratch;
  }
  const S = width + 2;
  const N = S * (height + 2);
  const off = Int32Array.from(NB_DX, (dx, j) => NB_DY[j]! * S + dx);
  const xOf = new Uint16Array(N);
  for (let i = 0; i < N; i++) xOf[i] = i % S;
  scratch = {
    width,
    height,
    S,
    N,
    order: new Int32Array(width * height),
    start: new Int32Array(258),
    fill: new Int32Array(257),
    xOf,
    fgAdded: new Uint8Array(N),
    bgAdded: new Uint8Array(N),
    fg: new PaddedForest(N),
    bg: new PaddedForest(N + 1),
    fgSnap: new IntBuffer(),
    bgSnap: new IntBuffer(),
    compOfRoot: new Int32Array(N + 1),
    holeOfRoot: new Int32Array(N + 1),
    off,
    rep0: Int32Array.from(FG_GROUPS, (g) => (g === 0 ? 0 : off[(g & 15) - 1]!)),
  };
  return scratch;
}

/**
 * Counting sort of the pixels by quantised level into `sc.order` (padded indices, raster order
 * within a level); returns the maximum level.
 */
function sortByLevel(q: Uint8Array, sc: Scratch): number {
  const { start, fill, order, width, height, S } = sc;
  start.fill(0);
  for (let i = 0; i < q.length; i++) start[q[i]! + 1]!++;
  let maxQ = 0;
  for (let v = 255; v > 0; v--) {
    if (start[v + 1]! > 0) {
      maxQ = v;
      break;
    }
  }
  for (let v = 1; v < 258; v++) start[v]! += start[v - 1]!;
  fill.set(start.subarray(0, 257));
  for (let y = 0, i = 0; y < height; y++) {
    const row = (y + 1) * S + 1;
    for (let x = 0; x < width; x++, i++) order[fill[q[i]!]!++] = row + x;
  }
  return maxQ;
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

/**
 * Foreground pixels (q > c) join in decreasing level, 8-connected; a snapshot of the components is
 * taken at every needed cut-off, with the hole count (components - Euler number). With `areas`, also
 * keeps the outer-area term. The per-pixel work is one 8-bit neighbourhood mask and table lookups.
 */
function foregroundPass(
  sc: Scratch,
  minCut: number,
  slotOfCut: Int32Array,
  from: Int32Array,
  to: Int32Array,
  holes: Int32Array,
  areas: boolean,
): void {
  const { order, start, S, off, rep0, xOf } = sc;
  const f = sc.fg;
  const { parent, link, stats } = f;
  const added = sc.fgAdded;
  added.fill(0);
  const snap = sc.fgSnap;
  const oNW = -S - 1;
  const oN = -S;
  const oNE = -S + 1;
  const oSW = S - 1;
  const oSE = S + 1;
  let euler4 = 0; // 4 x (components - holes)
  for (let c = 254; c >= minCut; c--) {
    const v = c + 1; // pixels of level v join when the cut-off drops to c
    for (let k = start[v]!, end = start[v + 1]!; k < end; k++) {
      const P = order[k]!;
      const m =
        added[P + oNW]! |
        (added[P + oN]! << 1) |
        (added[P + oNE]! << 2) |
        (added[P - 1]! << 3) |
        (added[P + 1]! << 4) |
        (added[P + oSW]! << 5) |
        (added[P + S]! << 6) |
        (added[P + oSE]! << 7);
      added[P] = 1;
      euler4 += FG_EULER[m]!;
      const x = xOf[P]!;
      if (m === 0) {
        f.make(P, x, 1); // no window reaches 3 pixels: no area term
        continue;
      }
      let r = P + rep0[m]!;
      while (parent[r] !== r) r = parent[r]!;
      let g = FG_GROUPS[m]! >> 4;
      while (g !== 0) {
        let b = P + off[(g & 15) - 1]!;
        while (parent[b] !== b) b = parent[b]!;
        if (b !== r) r = f.unite(r, b, c);
        g >>= 4;
      }
      parent[P] = r;
      link[P] = c;
      const o = r << 3;
      if (P < stats[o + R_FIRST]!) stats[o + R_FIRST] = P;
      else if (P > stats[o + R_LAST]!) stats[o + R_LAST] = P;
      if (x < stats[o + R_MINX]!) stats[o + R_MINX] = x;
      else if (x > stats[o + R_MAXX]!) stats[o + R_MAXX] = x;
      if (areas) stats[o + R_AREA2]! += FG_AREA[m]!;
    }
    if (slotOfCut[c + 1]! >= 0) {
      from[c + 1] = snap.length;
      f.snapshot(snap, -1, S);
      to[c + 1] = snap.length;
      holes[c + 1] = f.liveCount - euler4 / 4;
    }
  }
}

/** Background cell states (0: absent). */
const PRESENT = 1;
const OUTSIDE = 2;

/**
 * Background pixels (q <= c) join in increasing level, 4-connected, with node N as the outside
 * (the pad cells are linked to it at level -1, so edge pixels reach it); snapshots of the other
 * regions (the holes) at every needed cut-off. With `areas`, also keeps the hole-area term (pad
 * cells count as present there, which only changes the term of regions joined to the outside).
 */
function backgroundPass(
  sc: Scratch,
  maxCut: number,
  slotOfCut: Int32Array,
  from: Int32Array,
  to: Int32Array,
  areas: boolean,
): void {
  const { order, start, S, N, width, height, xOf } = sc;
  const f = sc.bg;
  const { parent, link, stats } = f;
  const outside = N;
  f.make(outside, 0, 1 << 30); // stays the root of whatever it joins
  // Per cell: 0 absent, PRESENT, or OUTSIDE (present and known to be in the outside region; a cell
  // whose region joins the outside later keeps PRESENT, which is only less informative).
  const state = sc.bgAdded;
  state.fill(0);
  const lastRow = (height + 1) * S;
  for (let x = 0; x < S; x++) {
    state[x] = OUTSIDE;
    state[lastRow + x] = OUTSIDE;
    parent[x] = outside;
    link[x] = -1;
    parent[lastRow + x] = outside;
    link[lastRow + x] = -1;
  }
  for (let y = 1; y <= height; y++) {
    const a = y * S;
    const b = a + width + 1;
    state[a] = OUTSIDE;
    state[b] = OUTSIDE;
    parent[a] = outside;
    link[a] = -1;
    parent[b] = outside;
    link[b] = -1;
  }
  const snap = sc.bgSnap;
  for (let c = 0; c <= maxCut; c++) {
    for (let k = start[c]!, end = start[c + 1]!; k < end; k++) {
      const P = order[k]!;
      const w = state[P - 1]!;
      const e = state[P + 1]!;
      const n = state[P - S]!;
      const s = state[P + S]!;
      if ((w | e | n | s) === OUTSIDE) {
        // The common case: every present neighbour is known to be outside (pad cells are).
        parent[P] = outside;
        link[P] = c;
        state[P] = OUTSIDE;
        continue;
      }
      const x = xOf[P]!;
      let r = -1;
      if (w !== 0) {
        r = P - 1;
        while (parent[r] !== r) r = parent[r]!;
      }
      if (e !== 0) {
        let b = P + 1;
        while (parent[b] !== b) b = parent[b]!;
        if (r < 0) r = b;
        else if (b !== r) r = f.unite(r, b, c);
      }
      if (n !== 0) {
        let b = P - S;
        while (parent[b] !== b) b = parent[b]!;
        if (r < 0) r = b;
        else if (b !== r) r = f.unite(r, b, c);
      }
      if (s !== 0) {
        let b = P + S;
        while (parent[b] !== b) b = parent[b]!;
        if (r < 0) r = b;
        else if (b !== r) r = f.unite(r, b, c);
      }
      if (r === outside) {
        parent[P] = outside;
        link[P] = c;
        state[P] = OUTSIDE;
        continue; // the outside's statistics are never read
      }
      if (r < 0) {
        f.make(P, x, 1);
        r = P;
      } else {
        parent[P] = r;
        link[P] = c;
        const o = r << 3;
        if (P < stats[o + R_FIRST]!) stats[o + R_FIRST] = P;
        else if (P > stats[o + R_LAST]!) stats[o + R_LAST] = P;
        if (x < stats[o + R_MINX]!) stats[o + R_MINX] = x;
        else if (x > stats[o + R_MAXX]!) stats[o + R_MAXX] = x;
      }
      state[P] = PRESENT;
      if (areas) {
        // Present neighbours, pad cells included (see above); state is 0 for absent pixels.
        const m =
          (state[P - S - 1]! !== 0 ? 1 : 0) |
          (n !== 0 ? 2 : 0) |
          (state[P - S + 1]! !== 0 ? 4 : 0) |
          (w !== 0 ? 8 : 0) |
          (e !== 0 ? 16 : 0) |
          (state[P + S - 1]! !== 0 ? 32 : 0) |
          (s !== 0 ? 64 : 0) |
          (state[P + S + 1]! !== 0 ? 128 : 0);
        stats[(r << 3) + R_AREA2]! += BG_AREA[m]!;
      }
    }
    if (slotOfCut[c + 1]! >= 0) {
      from[c + 1] = snap.length;
      f.snapshot(snap, outside, S);
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
