/**
 * Resizing 8-bit RGB images in JS, bit-exact with Pillow's `Image.resize` for BILINEAR and
 * BICUBIC (which is what torchvision's `Resize` runs on PIL images):
 *  - separable, horizontal pass first, then vertical;
 *  - when downscaling, the filter support is stretched by the scale factor (antialiasing);
 *  - per output pixel, the filter weights are normalised to sum to 1, then turned into 22-bit
 *    fixed point (round half away from zero), accumulated in integers from a half-unit bias,
 *    and the result clipped to 0..255; the intermediate image between the passes is 8-bit too.
 * With `antialias: false` the support is not stretched (plain interpolation of the nearest
 * samples, with weights renormalised at the borders). NEAREST samples the source pixel whose
 * area contains the output pixel's centre, as Pillow does.
 */
import type { RgbImage } from './types.js';

export type Interpolation = 'bilinear' | 'bicubic' | 'nearest';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
/** The rounding bias fixed-point sums start from. */
export const FIXED_POINT_HALF = 2 ** (PRECISION_BITS - 1);
const HALF = FIXED_POINT_HALF;

function triangle(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/** Keys' cubic with a = -0.5, Pillow's BICUBIC. */
function cubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

export interface Coefficients {
  /** Taps per output sample (stride of `weights`). */
  readonly taps: number;
  /** First source index per output sample. */
  readonly start: Int32Array;
  /** Number of used taps per output sample. */
  readonly count: Int32Array;
  /** Fixed-point weights, `taps` per output sample. */
  readonly weights: Int32Array;
  /**
   * The same filter over a fixed window of `size` (2 to 4) adjacent source pixels per output
   * sample, where every sample's non-zero weights fit in one (bilinear and bicubic upscales, and
   * downscales by up to about 1.5): the window's first source index, and `size` weights per sample,
   * zero outside the filter. Integer sums are exact, so the zero terms change nothing, and the
   * passes lose their inner tap loop.
   */
  readonly window?: { readonly size: number; readonly first: Int32Array; readonly weights: Int32Array };
}

/** Recently used filter coefficients: a dataset's images mostly share a few sizes. */
const coefficientCache = new Map<string, Coefficients>();
const COEFFICIENT_CACHE_SIZE = 32;

/** The filter coefficients of one axis (cached: they depend only on the sizes and the filter). */
export function coefficients(
  inSize: number,
  outSize: number,
  interpolation: 'bilinear' | 'bicubic',
  antialias: boolean,
): Coefficients {
  const key = `${inSize} ${outSize} ${interpolation} ${antialias}`;
  let c = coefficientCache.get(key);
  if (c === undefined) {
    c = computeCoefficients(inSize, outSize, interpolation, antialias);
    if (coefficientCache.size >= COEFFICIENT_CACHE_SIZE) coefficientCache.clear();
    coefficientCache.set(key, c);
  }
  return c;
}

function computeCoefficients(
  inSize: number,
  outSize: number,
  interpolation: 'bilinear' | 'bicubic',
  antialias: boolean,
): Coefficients {
  const filter = interpolation === 'bicubic' ? cubic : triangle;
  const baseSupport = interpolation === 'bicubic' ? 2 : 1;
  const scale = inSize / outSize;
  const filterScale = antialias && scale > 1 ? scale : 1;
  const support = baseSupport * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  const inv = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // (int)(v + 0.5) in C truncates towards zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const v = filter((x + xmin - center + 0.5) * inv);
      w[x] = v;
      sum += v;
    }
    for (let x = 0; x < xmax; x++) {
      const k = sum !== 0 ? w[x]! / sum : w[x]!;
      weights[xx * taps + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  const window = tapWindow(inSize, outSize, taps, start, count, weights);
  return window === undefined ? { taps, start, count, weights } : { taps, start, count, weights, window };
}

/** Largest window the unrolled passes take. */
const MAX_WINDOW = 4;

/** Coefficients['window'] for these weights, or undefined where a sample needs a wider one. */
function tapWindow(
  inSize: number,
  outSize: number,
  taps: number,
  start: Int32Array,
  count: Int32Array,
  weights: Int32Array,
): Coefficients['window'] {
  const lo = new Int32Array(outSize);
  let size = 2;
  for (let xx = 0; xx < outSize; xx++) {
    let a = -1;
    let b = -1;
    for (let x = 0; x < count[xx]!; x++) {
      if (weights[xx * taps + x] === 0) continue;
      if (a < 0) a = x;
      b = x;
    }
    if (a < 0) return undefined;
    lo[xx] = start[xx]! + a;
    size = Math.max(size, b - a + 1);
  }
  if (size > MAX_WINDOW || inSize < size) return undefined;
  const first = new Int32Array(outSize);
  const windowWeights = new Int32Array(outSize * size);
  for (let xx = 0; xx < outSize; xx++) {
    // The window starts at the first non-zero tap, moved left where it would leave the image.
    const at = Math.min(lo[xx]!, inSize - size);
    first[xx] = at;
    for (let x = 0; x < count[xx]!; x++) {
      const w = weights[xx * taps + x]!;
      if (w !== 0) windowWeights[xx * size + start[xx]! + x - at] = w;
    }
  }
  return { size, first, weights: windowWeights };
}

/** Fixed-point sum -> 8-bit: an arithmetic shift is floor division, then clip to 0..255. */
export function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : Math.min(v, 255);
}

// The sums below stay inside int32: weights are 22-bit fixed point summing to 2^22, so even with
// Keys' negative lobes |acc| < 1.3 * 255 * 2^22 < 2^31. `| 0` keeps V8 on integer arithmetic.

/**
 * Horizontal pass over source rows [row0, row0 + rows), output columns [col0, col0 + cols), into
 * `out` when given (it must hold `cols * rows * 3` bytes).
 */
export function horizontal(
  src: Uint8Array,
  inW: number,
  row0: number,
  rows: number,
  col0: number,
  cols: number,
  c: Coefficients,
  out: Uint8Array = new Uint8Array(cols * rows * 3),
): Uint8Array {
  if (c.window !== undefined) return horizontalWindow(src, inW, row0, rows, col0, cols, c.window, out);
  const { taps, start, count, weights } = c;
  for (let y = 0; y < rows; y++) {
    const rowIn = (row0 + y) * inW * 3;
    let o = y * cols * 3;
    for (let xx = col0; xx < col0 + cols; xx++) {
      const base = xx * taps;
      let p = rowIn + start[xx]! * 3;
      const n = count[xx]!;
      let k = weights[base]!;
      let s0 = (HALF + Math.imul(src[p]!, k)) | 0;
      let s1 = (HALF + Math.imul(src[p + 1]!, k)) | 0;
      let s2 = (HALF + Math.imul(src[p + 2]!, k)) | 0;
      for (let x = 1; x < n; x++) {
        p += 3;
        k = weights[base + x]!;
        s0 = (s0 + Math.imul(src[p]!, k)) | 0;
        s1 = (s1 + Math.imul(src[p + 1]!, k)) | 0;
        s2 = (s2 + Math.imul(src[p + 2]!, k)) | 0;
      }
      out[o++] = clip8(s0);
      out[o++] = clip8(s1);
      out[o++] = clip8(s2);
    }
  }
  return out;
}

/** The horizontal pass over fixed windows (see Coefficients['window']): one loop per window size. */
function horizontalWindow(
  src: Uint8Array,
  inW: number,
  row0: number,
  rows: number,
  col0: number,
  cols: number,
  window: NonNullable<Coefficients['window']>,
  out: Uint8Array,
): Uint8Array {
  const { size, first, weights } = window;
  for (let y = 0; y < rows; y++) {
    const rowIn = (row0 + y) * inW * 3;
    let o = y * cols * 3;
    if (size === 2) {
      for (let xx = col0; xx < col0 + cols; xx++) {
        const p = rowIn + first[xx]! * 3;
        const k0 = weights[2 * xx]!;
        const k1 = weights[2 * xx + 1]!;
        out[o] = clip8((HALF + Math.imul(src[p]!, k0) + Math.imul(src[p + 3]!, k1)) | 0);
        out[o + 1] = clip8((HALF + Math.imul(src[p + 1]!, k0) + Math.imul(src[p + 4]!, k1)) | 0);
        out[o + 2] = clip8((HALF + Math.imul(src[p + 2]!, k0) + Math.imul(src[p + 5]!, k1)) | 0);
        o += 3;
      }
      continue;
    }
    for (let xx = col0; xx < col0 + cols; xx++) {
      const p = rowIn + first[xx]! * 3;
      const b = xx * size;
      const k0 = weights[b]!;
      const k1 = weights[b + 1]!;
      const k2 = weights[b + 2]!;
      let s0 = HALF + Math.imul(src[p]!, k0) + Math.imul(src[p + 3]!, k1) + Math.imul(src[p + 6]!, k2);
      let s1 = HALF + Math.imul(src[p + 1]!, k0) + Math.imul(src[p + 4]!, k1) + Math.imul(src[p + 7]!, k2);
      let s2 = HALF + Math.imul(src[p + 2]!, k0) + Math.imul(src[p + 5]!, k1) + Math.imul(src[p + 8]!, k2);
      if (size > 3) {
        const k3 = weights[b + 3]!;
        s0 += Math.imul(src[p + 9]!, k3);
        s1 += Math.imul(src[p + 10]!, k3);
        s2 += Math.imul(src[p + 11]!, k3);
      }
      out[o] = clip8(s0 | 0);
      out[o + 1] = clip8(s1 | 0);
      out[o + 2] = clip8(s2 | 0);
      o += 3;
    }
  }
  return out;
}

/**
 * Vertical pass: output rows [outRow0, outRow0 + outRows) from `src`, whose first row is source
 * row `srcRow0`; whole rows at a time (sequential memory), integer sums exactly as PIL's loop.
 */
function vertical(
  src: Uint8Array,
  width: number,
  srcRow0: number,
  outRow0: number,
  outRows: number,
  c: Coefficients,
): Uint8Array {
  const stride = width * 3;
  const out = new Uint8Array(stride * outRows);
  const { taps, start, count, weights } = c;
  const acc = new Int32Array(stride);
  for (let r = 0; r < outRows; r++) {
    const yy = outRow0 + r;
    const base = yy * taps;
    const y0 = start[yy]! - srcRow0;
    const n = count[yy]!;
    acc.fill(HALF);
    for (let y = 0; y < n; y++) {
      const k = weights[base + y]!;
      const row = (y0 + y) * stride;
      for (let i = 0; i < stride; i++) acc[i] = (acc[i]! + Math.imul(src[row + i]!, k)) | 0;
    }
    const rowOut = r * stride;
    for (let i = 0; i < stride; i++) out[rowOut + i] = clip8(acc[i]!);
  }
  return out;
}

function nearest(img: RgbImage, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * 3);
  const sx = img.width / outW;
  const sy = img.height / outH;
  const xs = new Int32Array(outW);
  for (let x = 0; x < outW; x++) xs[x] = Math.min(img.width - 1, Math.floor((x + 0.5) * sx));
  for (let y = 0; y < outH; y++) {
    const yi = Math.min(img.height - 1, Math.floor((y + 0.5) * sy));
    const rowIn = yi * img.width * 3;
    for (let x = 0; x < outW; x++) {
      const p = rowIn + xs[x]! * 3;
      const o = (y * outW + x) * 3;
      out[o] = img.data[p]!;
      out[o + 1] = img.data[p + 1]!;
      out[o + 2] = img.data[p + 2]!;
    }
  }
  return out;
}

/** A window of an image: columns [x, x + width), rows [y, y + height). */
export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Resizes an RgbImage as Pillow's `Image.resize((width, height), filter)` does. */
export function resizeRgb(
  img: RgbImage,
  width: number,
  height: number,
  interpolation: Interpolation = 'bilinear',
  antialias = true,
): RgbImage {
  return resizeRegion(img, width, height, { x: 0, y: 0, width, height }, interpolation, antialias);
}

/**
 * The window `region` of `resizeRgb(img, width, height, ...)`, computing only its pixels (a centre
 * crop after a resize touches about 3/4 of them): bit-identical to resizing, then cropping.
 * The region must lie inside the resized image.
 */
export function resizeRegion(
  img: RgbImage,
  width: number,
  height: number,
  region: Region,
  interpolation: Interpolation = 'bilinear',
  antialias = true,
): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  const { x, y, width: w, height: h } = region;
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > width || y + h > height) {
    throw new RangeError(`region ${w}x${h}+${x}+${y} is not inside the ${width}x${height} image`);
  }
  const file = img.file;
  const make = (data: Uint8Array): RgbImage =>
    file === undefined ? { width: w, height: h, data } : { width: w, height: h, data, file };
  if (interpolation === 'nearest') return make(cropRgb(nearest(img, width, height), width, region));
  if (width === img.width && height === img.height) return make(cropRgb(img.data, img.width, region));
  const vert = img.height !== height ? coefficients(img.height, height, interpolation, antialias) : undefined;
  const [row0, rowEnd] = sourceRows(vert, y, h);
  let data: Uint8Array;
  if (img.width !== width) {
    const hor = coefficients(img.width, width, interpolation, antialias);
    data = horizontal(img.data, img.width, row0, rowEnd - row0, x, w, hor);
  } else {
    data = cropRgb(img.data, img.width, { x, y: row0, width: w, height: rowEnd - row0 });
  }
  if (vert !== undefined) data = vertical(data, w, row0, y, h, vert);
  return make(data);
}

/**
 * The source rows [row0, rowEnd) that output rows [y, y + h) read: only those are resampled
 * horizontally, as Pillow does. Without a vertical resize, the rows themselves. (With a fixed
 * window, the window's rows: its zero-weight rows are read too.)
 */
export function sourceRows(vert: Coefficients | undefined, y: number, h: number): [number, number] {
  if (vert === undefined) return [y, y + h];
  let row0 = Number.POSITIVE_INFINITY;
  let rowEnd = 0;
  const window = vert.window;
  for (let yy = y; yy < y + h; yy++) {
    const from = window === undefined ? vert.start[yy]! : window.first[yy]!;
    const to = window === undefined ? vert.start[yy]! + vert.count[yy]! : window.first[yy]! + window.size;
    row0 = Math.min(row0, from);
    rowEnd = Math.max(rowEnd, to);
  }
  return [row0, rowEnd];
}

/** Copies a window out of interleaved RGB rows of `stride` pixels. */
function cropRgb(data: Uint8Array, stride: number, region: Region): Uint8Array {
  const { x, y, width: w, height: h } = region;
  if (x === 0 && w === stride && y === 0 && data.length === w * h * 3) return data.slice();
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++)
    out.set(data.subarray(((y + r) * stride + x) * 3, ((y + r) * stride + x + w) * 3), r * w * 3);
  return out;
}
