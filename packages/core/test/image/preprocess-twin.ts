/**
 * The slow twin of image/resize.ts and preprocess's pixel loop, kept as they were before the
 * crop-aware, int32 rewrite: whole-image passes, float accumulators, then crop and normalise per
 * pixel. Tests compare the fast path with it bit for bit. Originally: resizing 8-bit RGB images in JS, bit-exact with Pillow's `Image.resize` for BILINEAR and
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
import type { PreprocessConfig } from '../../src/image/presets.js';
import type { RgbImage } from '../../src/image/types.js';

type Interpolation = 'bilinear' | 'bicubic' | 'nearest';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

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

interface Coefficients {
  /** Taps per output sample (stride of `weights`). */
  readonly taps: number;
  /** First source index per output sample. */
  readonly start: Int32Array;
  /** Number of used taps per output sample. */
  readonly count: Int32Array;
  /** Fixed-point weights, `taps` per output sample. */
  readonly weights: Int32Array;
}

function coefficients(
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
  return { taps, start, count, weights };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : Math.min(v, 255);
}

function horizontal(src: Uint8Array, inW: number, rows: number, outW: number, c: Coefficients): Uint8Array {
  const out = new Uint8Array(outW * rows * 3);
  const { taps, start, count, weights } = c;
  for (let y = 0; y < rows; y++) {
    const rowIn = y * inW * 3;
    const rowOut = y * outW * 3;
    for (let xx = 0; xx < outW; xx++) {
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      const base = xx * taps;
      let p = rowIn + start[xx]! * 3;
      for (let x = 0, n = count[xx]!; x < n; x++, p += 3) {
        const k = weights[base + x]!;
        s0 += src[p]! * k;
        s1 += src[p + 1]! * k;
        s2 += src[p + 2]! * k;
      }
      const o = rowOut + xx * 3;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
    }
  }
  return out;
}

function vertical(src: Uint8Array, width: number, outH: number, c: Coefficients): Uint8Array {
  const out = new Uint8Array(width * outH * 3);
  const { taps, start, count, weights } = c;
  const stride = width * 3;
  // Whole rows at a time (sequential memory), integer sums exactly as PIL's per-pixel loop.
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < outH; yy++) {
    const base = yy * taps;
    const y0 = start[yy]!;
    const n = count[yy]!;
    acc.fill(HALF);
    for (let y = 0; y < n; y++) {
      const k = weights[base + y]!;
      const row = (y0 + y) * stride;
      for (let i = 0; i < stride; i++) acc[i]! += src[row + i]! * k;
    }
    const rowOut = yy * stride;
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

/** Resizes an RgbImage as Pillow's `Image.resize((width, height), filter)` does. */
export function resizeRgbTwin(
  img: RgbImage,
  width: number,
  height: number,
  interpolation: Interpolation = 'bilinear',
  antialias = true,
): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  const file = img.file;
  const make = (data: Uint8Array): RgbImage =>
    file === undefined ? { width, height, data } : { width, height, data, file };
  if (width === img.width && height === img.height) return make(img.data.slice());
  if (interpolation === 'nearest') return make(nearest(img, width, height));
  let data = img.data;
  let w = img.width;
  let h = img.height;
  // As Pillow: only the source rows the vertical pass reads are resampled horizontally.
  const vert = h !== height ? coefficients(h, height, interpolation, antialias) : undefined;
  if (w !== width) {
    const hor = coefficients(w, width, interpolation, antialias);
    data = horizontal(data, w, h, width, hor);
    w = width;
  }
  if (vert !== undefined) {
    data = vertical(data, w, height, vert);
    h = height;
  }
  return make(data);
}

/** The pre-rewrite preprocess pixel loop: resize the whole image, then crop, pad and normalise. */
export function preprocessTwin(
  img: RgbImage,
  config: PreprocessConfig,
  g: {
    inputWidth: number;
    inputHeight: number;
    cropX: number;
    cropY: number;
    resizeWidth: number;
    resizeHeight: number;
  },
  tables: Float32Array[],
): Float32Array {
  const resized = resizeRgbTwin(img, g.resizeWidth, g.resizeHeight, config.interpolation, config.antialias);
  const { inputWidth: w, inputHeight: h, cropX, cropY, resizeWidth: rw, resizeHeight: rh } = g;
  const plane = w * h;
  const tensor = new Float32Array(3 * plane);
  const src = resized.data;
  for (let c = 0; c < 3; c++) {
    const table = tables[c]!;
    const channel = config.channelOrder === 'rgb' ? c : 2 - c;
    const pad = table[0]!;
    const off = c * plane;
    for (let y = 0; y < h; y++) {
      const sy = y + cropY;
      const row = off + y * w;
      if (sy < 0 || sy >= rh) {
        tensor.fill(pad, row, row + w);
        continue;
      }
      for (let x = 0; x < w; x++) {
        const sx = x + cropX;
        tensor[row + x] = sx < 0 || sx >= rw ? pad : table[src[(sy * rw + sx) * 3 + channel]!]!;
      }
    }
  }
  return tensor;
}
