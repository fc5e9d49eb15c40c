/**
 * Connected components of a 0/1 mask on typed arrays.
 *
 * Run-based (no recursion, no per-pixel objects, no per-pixel union-find): each row is cut into
 * runs of foreground pixels, a run is united with the runs of the row above that touch it (overlap,
 * or overlap grown by one pixel for 8-connectivity), and every statistic but the per-pixel scores is
 * gathered per run. Labels are numbered 1..n in raster order of each component's first pixel
 * (top-most row, then left-most), 0 is background.
 */
import type { Box } from '@cam-localize/core';

export interface Component {
  /** 1..n, the value of this component's pixels in `labels`. */
  readonly label: number;
  /** Pixel count. */
  readonly area: number;
  /** Pixel-edge box: columns a..b give x0 = a, x1 = b + 1. */
  readonly box: Box;
  /** Mean pixel position (pixel centres at integer coordinates). */
  readonly centroidX: number;
  readonly centroidY: number;
  /** Mean and maximum of `scores` over the component (NaN without scores; NaN scores are skipped). */
  readonly meanScore: number;
  readonly maxScore: number;
}

export interface ComponentOptions {
  /** 8 (default): diagonal neighbours connect; 4: only edge neighbours. */
  readonly connectivity?: 4 | 8;
  /** Per-pixel scores for meanScore / maxScore, same length as the mask. */
  readonly scores?: Float32Array | undefined;
}

export interface ComponentResult {
  /** 0 = background, 1..n = component label, row-major. */
  readonly labels: Int32Array;
  readonly components: Component[];
}

function checkSize(length: number, width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`${what}: size must be non-negative integers, got ${width}x${height}`);
  }
  if (length !== width * height) {
    throw new RangeError(`${what}: ${length} values, expected ${width}x${height}=${width * height}`);
  }
}

/**
 * Foreground runs of a map, row by row: run k covers pixels [runStart[k], runEnd[k]) of row runRow[k]
 * (columns). Grown as needed; reused between calls (the module is single-threaded, and no caller
 * keeps them).
 */
class Runs {
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  row = new Int32Array(1024);
  /** Union-find over runs, and the final label of each run. */
  parent = new Int32Array(1024);
  label = new Int32Array(1024);
  count = 0;

  reset(): void {
    this.count = 0;
  }

  push(s: number, e: number, y: number): void {
    const k = this.count;
    if (k === this.start.length) {
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.start = grow(this.start);
      this.end = grow(this.end);
      this.row = grow(this.row);
      this.parent = new Int32Array(this.start.length);
      this.label = new Int32Array(this.start.length);
    }
    this.start[k] = s;
    this.end[k] = e;
    this.row[k] = y;
    this.count = k + 1;
  }
}
const sharedRuns = new Runs();

/** Runs of the non-zero pixels of a 0/1 mask. */
function maskRuns(mask: Uint8Array, width: number, height: number, runs: Runs): void {
  runs.reset();
  for (let y = 0, row = 0; y < height; y++, row += width) {
    let x = 0;
    while (x < width) {
      while (x < width && mask[row + x] === 0) x++;
      if (x === width) break;
      const s = x;
      while (x < width && mask[row + x] !== 0) x++;
      runs.push(s, x, y);
    }
  }
}

/** Runs of the pixels of `data` strictly greater than `cutoff` (NaN never is). */
function thresholdRuns(
  data: ArrayLike<number>,
  cutoff: number,
  width: number,
  height: number,
  runs: Runs,
): void {
  runs.reset();
  for (let y = 0, row = 0; y < height; y++, row += width) {
    let x = 0;
    while (x < width) {
      while (x < width && !(data[row + x]! > cutoff)) x++;
      if (x === width) break;
      const s = x;
      while (x < width && data[row + x]! > cutoff) x++;
      runs.push(s, x, y);
    }
  }
}

/**
 * Unites touching runs of consecutive rows and sets `runs.label` to the final label of each run
 * (1..count, in raster order of the components' first pixels); returns the count.
 */
function labelRuns(runs: Runs, eight: boolean): number {
  const n = runs.count;
  const { start, end, row } = runs;
  const parent = runs.parent;
  const grow = eight ? 1 : 0;
  for (let k = 0; k < n; k++) parent[k] = k;
  // The root of a set is its smallest run index (its first run in raster order).
  const find = (a: number): number => {
    let r = a;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[a] !== r) {
      const up = parent[a]!;
      parent[a] = r;
      a = up;
    }
    return r;
  };
  // Runs of the previous row are [p0, p1); both lists are sorted by column.
  let p0 = 0;
  let p1 = 0;
  let prevRow = -2;
  for (let k = 0; k < n; k++) {
    const y = row[k]!;
    if (y !== prevRow) {
      // Entering a new row: the previous row's runs are the ones just before, if it is y - 1.
      if (k > 0 && row[k - 1] === y - 1) {
        p1 = k;
        p0 = k - 1;
        while (p0 > 0 && row[p0 - 1] === y - 1) p0--;
      } else {
        p0 = k;
        p1 = k;
      }
      prevRow = y;
    }
    const s = start[k]! - grow;
    const e = end[k]! + grow;
    // Skip previous-row runs that end before this one starts (they cannot touch later runs either).
    while (p0 < p1 && end[p0]! <= s) p0++;
    for (let j = p0; j < p1 && start[j]! < e; j++) {
      const a = find(j);
      const b = find(k);
      if (a < b) parent[b] = a;
      else if (b < a) parent[a] = b;
    }
  }
  // Final labels: roots in increasing run order get 1, 2, ...; the others take their parent's (a
  // smaller index, labelled already).
  const label = runs.label;
  let count = 0;
  for (let k = 0; k < n; k++) {
    const p = parent[k]!;
    label[k] = p === k ? ++count : label[p]!;
  }
  return count;
}

/** Per-label area and box ([1..count]; index 0 unused), from labelled runs. */
interface RunStats {
  area: Float64Array;
  minX: Int32Array;
  minY: Int32Array;
  maxX: Int32Array;
  maxY: Int32Array;
}

function runStats(runs: Runs, count: number, width: number, height: number): RunStats {
  const area = new Float64Array(count + 1);
  const minX = new Int32Array(count + 1).fill(width);
  const minY = new Int32Array(count + 1).fill(height);
  const maxX = new Int32Array(count + 1).fill(-1);
  const maxY = new Int32Array(count + 1).fill(-1);
  const { start, end, row, label } = runs;
  for (let k = 0; k < runs.count; k++) {
    const l = label[k]!;
    const s = start[k]!;
    const e = end[k]!;
    const y = row[k]!;
    area[l]! += e - s;
    if (s < minX[l]!) minX[l] = s;
    if (e - 1 > maxX[l]!) maxX[l] = e - 1;
    if (y < minY[l]!) minY[l] = y;
    if (y > maxY[l]!) maxY[l] = y;
  }
  return { area, minX, minY, maxX, maxY };
}

/** Connected components of the non-zero pixels of `mask` (row-major, width x height). */
export function connectedComponents(
  mask: Uint8Array,
  width: number,
  height: number,
  options: ComponentOptions = {},
): ComponentResult {
  checkSize(mask.length, width, height, 'connectedComponents');
  const eight = (options.connectivity ?? 8) === 8;
  if (options.connectivity !== undefined) checkConnectivity(options.connectivity);
  const scores = options.scores;
  if (scores !== undefined && scores.length !== mask.length) {
    throw new RangeError(`connectedComponents: ${scores.length} scores for ${mask.length} pixels`);
  }
  const runs = sharedRuns;
  maskRuns(mask, width, height, runs);
  const count = labelRuns(runs, eight);
  const { area, minX, minY, maxX, maxY } = runStats(runs, count, width, height);
  const labels = new Int32Array(mask.length);
  const sx = new Float64Array(count + 1);
  const sy = new Float64Array(count + 1);
  const sumS = new Float64Array(count + 1);
  const nS = new Float64Array(count + 1);
  const maxS = new Float64Array(count + 1).fill(Number.NaN);
  const { start, end, row, label } = runs;
  for (let k = 0; k < runs.count; k++) {
    const l = label[k]!;
    const s = start[k]!;
    const e = end[k]!;
    const y = row[k]!;
    const base = y * width;
    labels.fill(l, base + s, base + e);
    // Sums of integers: exact in float64 whatever the order.
    sx[l]! += ((s + e - 1) * (e - s)) / 2;
    sy[l]! += y * (e - s);
    if (scores !== undefined) {
      // Runs come in raster order, so each label's scores are summed in raster order.
      for (let i = base + s; i < base + e; i++) {
        const v = scores[i]!;
        if (!Number.isNaN(v)) {
          sumS[l]! += v;
          nS[l]!++;
          if (!(v <= maxS[l]!)) maxS[l] = v;
        }
      }
    }
  }
  const components: Component[] = new Array(count);
  for (let l = 1; l <= count; l++) {
    const a = area[l]!;
    components[l - 1] = {
      label: l,
      area: a,
      box: { x0: minX[l]!, y0: minY[l]!, x1: maxX[l]! + 1, y1: maxY[l]! + 1 },
      centroidX: sx[l]! / a,
      centroidY: sy[l]! / a,
      meanScore: nS[l]! > 0 ? sumS[l]! / nS[l]! : Number.NaN,
      maxScore: maxS[l]!,
    };
  }
  return { labels, components };
}

/** Area and pixel-edge box of each component, in label order (no labels image, no centroids). */
export interface ComponentBox {
  readonly area: number;
  readonly box: Box;
}

function componentBoxes(runs: Runs, eight: boolean, width: number, height: number): ComponentBox[] {
  const count = labelRuns(runs, eight);
  const { area, minX, minY, maxX, maxY } = runStats(runs, count, width, height);
  const out: ComponentBox[] = new Array(count);
  for (let l = 1; l <= count; l++) {
    out[l - 1] = { area: area[l]!, box: { x0: minX[l]!, y0: minY[l]!, x1: maxX[l]! + 1, y1: maxY[l]! + 1 } };
  }
  return out;
}

/** `connectedComponents(mask, ...)`'s areas and boxes only (what the box modes need). */
export function maskComponentBoxes(
  mask: Uint8Array,
  width: number,
  height: number,
  connectivity: 4 | 8 = 8,
): ComponentBox[] {
  checkSize(mask.length, width, height, 'connectedComponents');
  checkConnectivity(connectivity);
  maskRuns(mask, width, height, sharedRuns);
  return componentBoxes(sharedRuns, connectivity === 8, width, height);
}

/**
 * The components of `data > cutoff` (strictly greater; NaN never is), areas and boxes only, without
 * building the mask: `maskComponentBoxes(foregroundMask(map, cutoff), ...)`.
 */
export function thresholdComponentBoxes(
  data: ArrayLike<number>,
  cutoff: number,
  width: number,
  height: number,
  connectivity: 4 | 8 = 8,
): ComponentBox[] {
  checkSize(data.length, width, height, 'connectedComponents');
  checkConnectivity(connectivity);
  thresholdRuns(data, cutoff, width, height, sharedRuns);
  return componentBoxes(sharedRuns, connectivity === 8, width, height);
}

function checkConnectivity(connectivity: number): void {
  if (connectivity !== 4 && connectivity !== 8) {
    throw new RangeError(`connectivity must be 4 or 8, got ${String(connectivity)}`);
  }
}
