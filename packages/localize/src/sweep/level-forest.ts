/**
 * The union-find that both many-threshold sweeps share (wsol-sweep.ts and tool-sweep.ts): pixels join
 * in level order, each link remembers the level it was made at, and each root keeps the statistics
 * a box needs. Union by rank and no path compression, so that "which component held pixel p at
 * level c" is answered afterwards by walking up the links whose level is still within c.
 *
 * A new root starts at rank 1, so attaching a pixel to a root never changes its rank and needs no
 * write to the root but its statistics. Per node, one 8-int record (only roots' records are
 * meaningful; interleaved, one cache line per root, because pixels arrive in level order, scattered
 * over the image): rank, first and last pixel index (the pixels are in raster order, so their rows
 * are the box's top and bottom row), min and max column, a sum the caller chooses (the wsol sweep's
 * twice-the-area term, the tool sweep's pixel count), and the root's position in `live`.
 */

const R_RANK = 0;
const R_FIRST = 1;
const R_LAST = 2;
const R_MINX = 3;
const R_MAXX = 4;
const R_SUM = 5;
const R_LIVEPOS = 6;

/** Ints per snapshot record: root, first, minX, minY, maxX, maxY, sum (see `LevelForest.snapshot`). */
export const SNAPSHOT_STRIDE = 7;

/** Growable Int32 buffer of snapshot records. */
export class SnapshotBuffer {
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

export class LevelForest {
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

  /** A new root for pixel P in column x, with the given rank and a sum of 0. */
  make(P: number, x: number, rank: number): void {
    this.parent[P] = P;
    const s = this.stats;
    const o = P << 3;
    s[o + R_RANK] = rank;
    s[o + R_FIRST] = P;
    s[o + R_LAST] = P;
    s[o + R_MINX] = x;
    s[o + R_MAXX] = x;
    s[o + R_SUM] = 0;
    s[o + R_LIVEPOS] = this.liveCount;
    this.live[this.liveCount++] = P;
  }

  /** Pixel P in column x joins root r, linked at `level` (the sum is the caller's to add). */
  attach(P: number, x: number, r: number, level: number): void {
    this.parent[P] = r;
    this.link[P] = level;
    const s = this.stats;
    const o = r << 3;
    if (P < s[o + R_FIRST]!) s[o + R_FIRST] = P;
    else if (P > s[o + R_LAST]!) s[o + R_LAST] = P;
    if (x < s[o + R_MINX]!) s[o + R_MINX] = x;
    else if (x > s[o + R_MAXX]!) s[o + R_MAXX] = x;
  }

  /** Adds `amount` to root r's sum. */
  add(r: number, amount: number): void {
    this.stats[(r << 3) + R_SUM]! += amount;
  }

  /** The root of p now (every link counts). */
  find(p: number): number {
    const parent = this.parent;
    while (parent[p] !== p) p = parent[p]!;
    return p;
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
    s[oa + R_SUM]! += s[ob + R_SUM]!;
    // Drop b from the live roots (swap with the last).
    const pos = s[ob + R_LIVEPOS]!;
    const last = this.live[--this.liveCount]!;
    this.live[pos] = last;
    s[(last << 3) + R_LIVEPOS] = pos;
    return a;
  }

  /**
   * The live roots but `skip`, as records of SNAPSHOT_STRIDE ints: root, first pixel index, box
   * (minX, minY, maxX, maxY), sum. Pixel indices are row * `stride` + column; `pad` (0 or 1) is
   * subtracted from the box's rows and columns, for grids padded by one cell on every side.
   */
  snapshot(out: SnapshotBuffer, skip: number, stride: number, pad: number): void {
    const s = this.stats;
    for (let k = 0; k < this.liveCount; k++) {
      const r = this.live[k]!;
      if (r === skip) continue;
      const o = r << 3;
      const first = s[o + R_FIRST]!;
      out.push7(
        r,
        first,
        s[o + R_MINX]! - pad,
        Math.floor(first / stride) - pad,
        s[o + R_MAXX]! - pad,
        Math.floor(s[o + R_LAST]! / stride) - pad,
        s[o + R_SUM]!,
      );
    }
  }
}
