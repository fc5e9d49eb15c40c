/**
 * The preprocessing hot path in JS (resize-wasm.ts runs the same passes in WebAssembly where it
 * can, and is tested against this): the kept window of a Pillow-exact resize written straight
 * into the model's input tensor. Bit-identical to `normalizeRegion(resizeRegion(...))` (the
 * property test holds them to their slow twin), but the vertical pass's 8-bit results go through
 * the value tables into the three channel planes as they are made: no resized image, no second
 * pass over it, and the scratch rows are reused from image to image, so a worker allocates
 * nothing per image but the decoded picture.
 */
import type { Coefficients, Interpolation, Region } from './resize.js';
import { clip8, coefficients, FIXED_POINT_HALF as HALF, horizontal, sourceRows } from './resize.js';
import type { RgbImage } from './types.js';

/** Where the window goes: the tensor, its width and plane size, and the window's top-left in it. */
export interface TensorTarget {
  readonly tensor: Float32Array;
  /** Tensor width (pixels per row). */
  readonly width: number;
  /** Pixels per channel plane. */
  readonly plane: number;
  readonly x: number;
  readonly y: number;
  /** Per tensor channel, the float32 value of each 8-bit pixel value. */
  readonly tables: readonly [Float32Array, Float32Array, Float32Array];
  /** Pixel channel read by tensor channel 0, 1, 2 (rgb: 0 1 2; bgr: 2 1 0). */
  readonly order: readonly [number, number, number];
}

/** Scratch rows, grown as needed and kept for the next image (one thread uses them at a time). */
let rowsScratch = new Uint8Array(0);
let accScratch = new Int32Array(0);

function scratchRows(bytes: number): Uint8Array {
  if (rowsScratch.length < bytes) rowsScratch = new Uint8Array(bytes);
  return rowsScratch.subarray(0, bytes);
}

/**
 * Resizes `img` to `width x height` (bilinear or bicubic, Pillow's arithmetic) and writes the
 * window `region` of the result, normalised, into `target`.
 */
export function resizeRegionIntoTensor(
  img: RgbImage,
  width: number,
  height: number,
  region: Region,
  interpolation: Exclude<Interpolation, 'nearest'>,
  antialias: boolean,
  target: TensorTarget,
): void {
  const { x, y, width: w, height: h } = region;
  const vert = img.height !== height ? coefficients(img.height, height, interpolation, antialias) : undefined;
  const [row0, rowEnd] = sourceRows(vert, y, h);
  // The rows the vertical pass reads, `stride` bytes apart, window column 0 at `offset`.
  let rows: Uint8Array;
  let stride: number;
  let offset: number;
  if (img.width !== width) {
    const hor = coefficients(img.width, width, interpolation, antialias);
    rows = horizontal(
      img.data,
      img.width,
      row0,
      rowEnd - row0,
      x,
      w,
      hor,
      scratchRows((rowEnd - row0) * w * 3),
    );
    stride = w * 3;
    offset = 0;
  } else {
    rows = img.data;
    stride = img.width * 3;
    offset = row0 * stride + x * 3;
  }
  if (vert === undefined) {
    for (let r = 0; r < h; r++) writeBytes(rows, offset + r * stride, w, target, r);
  } else {
    verticalIntoTensor(rows, stride, offset, row0, y, h, w, vert, target);
  }
}

/** Vertical pass: output rows [outRow0, outRow0 + outRows), each written to the tensor. */
function verticalIntoTensor(
  src: Uint8Array,
  stride: number,
  offset: number,
  srcRow0: number,
  outRow0: number,
  outRows: number,
  width: number,
  c: Coefficients,
  target: TensorTarget,
): void {
  if (c.window !== undefined) {
    const { size, first, weights } = c.window;
    for (let r = 0; r < outRows; r++) {
      const yy = outRow0 + r;
      windowRow(
        src,
        offset + (first[yy]! - srcRow0) * stride,
        stride,
        weights,
        yy * size,
        size,
        width,
        target,
        r,
      );
    }
    return;
  }
  const { taps, start, count, weights } = c;
  const n3 = width * 3;
  if (accScratch.length < n3) accScratch = new Int32Array(n3);
  const acc = accScratch;
  for (let r = 0; r < outRows; r++) {
    const yy = outRow0 + r;
    const base = yy * taps;
    const first = offset + (start[yy]! - srcRow0) * stride;
    const n = count[yy]!;
    let k = weights[base]!;
    for (let i = 0; i < n3; i++) acc[i] = (HALF + Math.imul(src[first + i]!, k)) | 0;
    for (let t = 1; t < n; t++) {
      k = weights[base + t]!;
      const row = first + t * stride;
      for (let i = 0; i < n3; i++) acc[i] = (acc[i]! + Math.imul(src[row + i]!, k)) | 0;
    }
    writeSums(acc, width, target, r);
  }
}

/**
 * An output row from a fixed window of `size` (2 to 4) source rows, the first at `a`, `stride`
 * apart, weights at `w[b..]`: the sums -> 8-bit -> tensor values. One loop per window size, so
 * the inner loop has no size tests; pixel channel j goes to plane `planeOf[j]` through its table.
 */
function windowRow(
  src: Uint8Array,
  a: number,
  stride: number,
  w: Int32Array,
  b: number,
  size: number,
  width: number,
  target: TensorTarget,
  row: number,
): void {
  const { tensor, plane, tables, order } = target;
  // Pixel channel j feeds tensor channel c where order[c] === j (order is a permutation).
  const c0 = order.indexOf(0);
  const c1 = order.indexOf(1);
  const c2 = order.indexOf(2);
  const t0 = tables[c0]!;
  const t1 = tables[c1]!;
  const t2 = tables[c2]!;
  const row0 = (target.y + row) * target.width + target.x;
  const o0 = c0 * plane + row0;
  const o1 = c1 * plane + row0;
  const o2 = c2 * plane + row0;
  const k0 = w[b]!;
  const k1 = w[b + 1]!;
  const r1 = a + stride;
  if (size === 2) {
    for (let i = 0, p = 0; i < width; i++, p += 3) {
      const v0 = (HALF + Math.imul(src[a + p]!, k0) + Math.imul(src[r1 + p]!, k1)) | 0;
      const v1 = (HALF + Math.imul(src[a + p + 1]!, k0) + Math.imul(src[r1 + p + 1]!, k1)) | 0;
      const v2 = (HALF + Math.imul(src[a + p + 2]!, k0) + Math.imul(src[r1 + p + 2]!, k1)) | 0;
      tensor[o0 + i] = t0[clip8(v0)]!;
      tensor[o1 + i] = t1[clip8(v1)]!;
      tensor[o2 + i] = t2[clip8(v2)]!;
    }
    return;
  }
  // The three channel sums stay spelled out: a shared helper for them was slower in some runs (V8's
  // inlining; bench/MEASUREMENTS.md), on a path every image takes without WebAssembly.
  const k2 = w[b + 2]!;
  const k3 = size > 3 ? w[b + 3]! : 0;
  const r2 = a + 2 * stride;
  // A window of 3 reads a fourth row with weight 0 only where one exists.
  const r3 = size > 3 ? a + 3 * stride : r2;
  for (let i = 0, p = 0; i < width; i++, p += 3) {
    const v0 =
      (HALF +
        Math.imul(src[a + p]!, k0) +
        Math.imul(src[r1 + p]!, k1) +
        Math.imul(src[r2 + p]!, k2) +
        Math.imul(src[r3 + p]!, k3)) |
      0;
    const v1 =
      (HALF +
        Math.imul(src[a + p + 1]!, k0) +
        Math.imul(src[r1 + p + 1]!, k1) +
        Math.imul(src[r2 + p + 1]!, k2) +
        Math.imul(src[r3 + p + 1]!, k3)) |
      0;
    const v2 =
      (HALF +
        Math.imul(src[a + p + 2]!, k0) +
        Math.imul(src[r1 + p + 2]!, k1) +
        Math.imul(src[r2 + p + 2]!, k2) +
        Math.imul(src[r3 + p + 2]!, k3)) |
      0;
    tensor[o0 + i] = t0[clip8(v0)]!;
    tensor[o1 + i] = t1[clip8(v1)]!;
    tensor[o2 + i] = t2[clip8(v2)]!;
  }
}

/** One window row of fixed-point sums -> 8-bit -> tensor values, de-interleaved into the planes. */
function writeSums(acc: Int32Array, width: number, target: TensorTarget, row: number): void {
  const { tensor, plane, tables, order } = target;
  const [t0, t1, t2] = tables;
  const [c0, c1, c2] = order;
  let o = (target.y + row) * target.width + target.x;
  for (let i = 0, p = 0; i < width; i++, p += 3, o++) {
    tensor[o] = t0[clip8(acc[p + c0]!)]!;
    tensor[plane + o] = t1[clip8(acc[p + c1]!)]!;
    tensor[2 * plane + o] = t2[clip8(acc[p + c2]!)]!;
  }
}

/** One window row of 8-bit pixels (no vertical resampling) -> tensor values. */
function writeBytes(src: Uint8Array, at: number, width: number, target: TensorTarget, row: number): void {
  const { tensor, plane, tables, order } = target;
  const [t0, t1, t2] = tables;
  const [c0, c1, c2] = order;
  let o = (target.y + row) * target.width + target.x;
  for (let i = 0, p = at; i < width; i++, p += 3, o++) {
    tensor[o] = t0[src[p + c0]!]!;
    tensor[plane + o] = t1[src[p + c1]!]!;
    tensor[2 * plane + o] = t2[src[p + c2]!]!;
  }
}
