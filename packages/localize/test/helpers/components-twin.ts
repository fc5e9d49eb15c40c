/**
 * Connected components of a 0/1 mask on typed arrays.
 *
 * Two passes with union-find (no recursion, no per-pixel objects): the first pass gives each
 * foreground pixel a provisional label and unions it with its already-seen neighbours, the second
 * resolves labels and gathers the statistics. Labels are numbered 1..n in raster order of each
 * component's first pixel (top-most row, then left-most), 0 is background.
 */
import type { Box } from '@cam-localize/core';
// The previous pixel-based implementation (two-pass union-find over pixels), kept as a test twin.

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

/** Connected components of the non-zero pixels of `mask` (row-major, width x height). */
export function connectedComponentsTwin(
  mask: Uint8Array,
  width: number,
  height: number,
  options: ComponentOptions = {},
): ComponentResult {
  checkSize(mask.length, width, height, 'connectedComponents');
  const eight = (options.connectivity ?? 8) === 8;
  if (options.connectivity !== undefined && options.connectivity !== 4 && options.connectivity !== 8) {
    throw new RangeError(`connectivity must be 4 or 8, got ${String(options.connectivity)}`);
  }
  const scores = options.scores;
  if (scores !== undefined && scores.length !== mask.length) {
    throw new RangeError(`connectedComponents: ${scores.length} scores for ${mask.length} pixels`);
  }
  const n = mask.length;
  const labels = new Int32Array(n);
  // Provisional labels 1..; parent[l] for union-find over them (the smaller label is the root, so a
  // root is always the provisional label of the set's first pixel in raster order).
  let parent = new Int32Array(Math.max(16, (n >> 2) + 1));
  let next = 1;
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
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    if (ra < rb) {
      parent[rb] = ra;
      return ra;
    }
    parent[ra] = rb;
    return rb;
  };
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (mask[i] === 0) continue;
      // Already-seen neighbours: left, up, and (8-connectivity) up-left, up-right.
      let l = 0;
      for (let k = 0; k < 4; k++) {
        let m = 0;
        if (k === 0) m = x > 0 ? labels[i - 1]! : 0;
        else if (y === 0) break;
        else if (k === 1) m = labels[i - width]!;
        else if (!eight) break;
        else if (k === 2) m = x > 0 ? labels[i - width - 1]! : 0;
        else m = x + 1 < width ? labels[i - width + 1]! : 0;
        if (m !== 0) l = l === 0 ? find(m) : union(l, m);
      }
      if (l === 0) {
        if (next >= parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        l = next++;
        parent[l] = l;
      }
      labels[i] = l;
    }
  }
  // Resolve: final label per root in raster order of first pixels (roots are the smallest
  // provisional labels, created in raster order, so numbering roots in increasing order works).
  const final = new Int32Array(next);
  let count = 0;
  for (let l = 1; l < next; l++) {
    const r = find(l);
    final[l] = r === l ? ++count : final[r]!;
  }
  const area = new Float64Array(count + 1);
  const sx = new Float64Array(count + 1);
  const sy = new Float64Array(count + 1);
  const minX = new Int32Array(count + 1).fill(width);
  const minY = new Int32Array(count + 1).fill(height);
  const maxX = new Int32Array(count + 1).fill(-1);
  const maxY = new Int32Array(count + 1).fill(-1);
  const sumS = new Float64Array(count + 1);
  const nS = new Float64Array(count + 1);
  const maxS = new Float64Array(count + 1).fill(Number.NaN);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const p = labels[i]!;
      if (p === 0) continue;
      const l = final[p]!;
      labels[i] = l;
      area[l]!++;
      sx[l]! += x;
      sy[l]! += y;
      if (x < minX[l]!) minX[l] = x;
      if (x > maxX[l]!) maxX[l] = x;
      if (y < minY[l]!) minY[l] = y;
      if (y > maxY[l]!) maxY[l] = y;
      if (scores !== undefined) {
        const s = scores[i]!;
        if (!Number.isNaN(s)) {
          sumS[l]! += s;
          nS[l]!++;
          if (!(s <= maxS[l]!)) maxS[l] = s;
        }
      }
    }
  }
  const components: Component[] = [];
  for (let l = 1; l <= count; l++) {
    const a = area[l]!;
    components.push({
      label: l,
      area: a,
      box: { x0: minX[l]!, y0: minY[l]!, x1: maxX[l]! + 1, y1: maxY[l]! + 1 },
      centroidX: sx[l]! / a,
      centroidY: sy[l]! / a,
      meanScore: nS[l]! > 0 ? sumS[l]! / nS[l]! : Number.NaN,
      maxScore: maxS[l]!,
    });
  }
  return { labels, components };
}
