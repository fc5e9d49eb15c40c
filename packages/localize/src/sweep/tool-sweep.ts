/**
 * The tool's own boxes (boxesFromMap with a fraction-of-maximum threshold) at many thresholds in
 * one pass over the pixels: they join the shared level forest in decreasing value, and a snapshot
 * of the components is taken at each distinct cut-off.
 */
import type { Box, ScoreMap } from '@cam-localize/core';
import type { BoxMode } from '../boxes.js';
import { LevelForest, SnapshotBuffer, SNAPSHOT_STRIDE as STRIDE } from './level-forest.js';
import type { SweepResult } from './threshold-levels.js';

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
 * Which root survives a union does not matter: a component's statistics (pixel count, first pixel,
 * extent) are the same whatever its root, and boxes are chosen and ordered by first pixel, never by root.
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
  const snap = new SnapshotBuffer();
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
      if (r < 0) {
        forest.make(p, x, 1);
        r = p;
      } else forest.attach(p, x, r, 0);
      forest.add(r, 1); // the sum is the pixel count
      added[p] = 1;
    }
    snap.length = 0;
    forest.snapshot(snap, -1, width, 0);
    levels[k] = snapshotBoxes(snap, mode, minArea);
  }
  return { levels, levelOfThreshold };
}

/** The boxes of the components in a snapshot (records of SNAPSHOT_STRIDE ints, see LevelForest). */
function snapshotBoxes(snap: SnapshotBuffer, mode: BoxMode, minArea: number): Box[] {
  const s = snap.data;
  // Offsets of the records of components with at least minArea pixels (the sum is the pixel count).
  const kept: number[] = [];
  for (let o = 0; o < snap.length; o += STRIDE) if (s[o + 6]! >= minArea) kept.push(o);
  if (kept.length === 0) return [];
  const boxOf = (o: number): Box => ({ x0: s[o + 2]!, y0: s[o + 3]!, x1: s[o + 4]! + 1, y1: s[o + 5]! + 1 });
  const size = (o: number): number => s[o + 6]!;
  const first = (o: number): number => s[o + 1]!;
  if (mode === 'largest') {
    let best = kept[0]!;
    for (const o of kept) {
      if (size(o) > size(best) || (size(o) === size(best) && first(o) < first(best))) best = o;
    }
    return [boxOf(best)];
  }
  if (mode === 'all') return kept.sort((a, b) => first(a) - first(b)).map(boxOf);
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = 0;
  let y1 = 0;
  for (const o of kept) {
    x0 = Math.min(x0, s[o + 2]!);
    y0 = Math.min(y0, s[o + 3]!);
    x1 = Math.max(x1, s[o + 4]! + 1);
    y1 = Math.max(y1, s[o + 5]! + 1);
  }
  return [{ x0, y0, x1, y1 }];
}
