/**
 * Resampling score maps (float32), as OpenCV's `cv2.resize` does on float32 arrays, which is
 * what CAM code (the seed, wsolevaluation) uses to upsample a 7x7 CAM to the input size:
 *  - `bilinear` = INTER_LINEAR: half-pixel centres, no antialiasing, edge samples clamped;
 *  - `bicubic` = INTER_CUBIC: Keys' cubic with A = -0.75, half-pixel centres, border replicate,
 *    float32 coefficients and float32 accumulation, horizontal pass first (so results match
 *    OpenCV to float rounding; test/fixtures/cv2-resize.json holds cv2's outputs);
 *  - `nearest` = INTER_NEAREST_EXACT: the source pixel whose area holds the output pixel's centre
 *    (identical to INTER_NEAREST for integer upscaling). Where a centre falls exactly on a pixel
 *    edge, the higher pixel is taken (cv2's fixed-point arithmetic sometimes takes the lower).
 * Downscaling is plain interpolation too (no area averaging), as cv2 does for these flags.
 *
 * {@link scoreMapToOriginal} takes a map over the model input (any grid covering it: the 7x7
 * feature grid or the 224x224 input) back to original image pixels through an ImageGeometry.
 */
import type { ImageGeometry } from './geometry.js';
import { resampleVerticalWasm } from './resample-wasm.js';
import { type ScoreMap, scoreMap } from './scoremap.js';

export type ResampleMethod = 'nearest' | 'bilinear' | 'bicubic';

const f32 = Math.fround;
const A = -0.75;

/** OpenCV's interpolateCubic, in float32. */
function cubicCoefficients(x: number, out: Float64Array): void {
  const x1 = f32(x + 1);
  const c0 = f32(f32(f32(f32(f32(f32(A * x1) - 5 * A) * x1) + 8 * A) * x1) - 4 * A);
  const c1 = f32(f32(f32(f32(f32((A + 2) * x) - (A + 3)) * x) * x) + 1);
  const y = f32(1 - x);
  const c2 = f32(f32(f32(f32(f32((A + 2) * y) - (A + 3)) * y) * y) + 1);
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = f32(f32(f32(1 - c0) - c1) - c2);
}

interface Taps {
  /** Taps per output sample. */
  readonly k: number;
  /** Source indices (already clamped), `k` per output sample. */
  readonly index: Int32Array;
  /** Weights, `k` per output sample. */
  readonly weight: Float64Array;
  /** The same weights in float32 (they are float32 values), for the WebAssembly pass. */
  readonly weight32: Float32Array;
  /** 0 where the output sample lies outside the source (the value is 0 there). */
  readonly valid: Uint8Array;
  /** No sample lies outside: the passes skip the per-sample test. */
  readonly allValid: boolean;
}

/**
 * Taps along one axis. `coord(i)` gives output sample i's position in source pixel units with
 * pixel centres at integers (OpenCV's `(i + 0.5) * scale - 0.5`), or NaN when it lies outside.
 */
function axisTaps(
  outSize: number,
  srcSize: number,
  method: ResampleMethod,
  coord: (i: number) => number,
): Taps {
  const k = method === 'bicubic' ? 4 : method === 'bilinear' ? 2 : 1;
  const index = new Int32Array(outSize * k);
  const weight = new Float64Array(outSize * k);
  const valid = new Uint8Array(outSize);
  const clamp = (v: number) => (v < 0 ? 0 : v >= srcSize ? srcSize - 1 : v);
  const cb = new Float64Array(4);
  for (let i = 0; i < outSize; i++) {
    const c = coord(i);
    if (Number.isNaN(c)) continue;
    valid[i] = 1;
    const o = i * k;
    if (method === 'nearest') {
      index[o] = clamp(Math.floor(c + 0.5));
      weight[o] = 1;
      continue;
    }
    let s = Math.floor(c);
    let f = f32(c - s);
    if (method === 'bilinear') {
      if (s < 0) {
        s = 0;
        f = 0;
      }
      if (s >= srcSize - 1) {
        s = srcSize - 1;
        f = 0;
      }
      index[o] = s;
      index[o + 1] = clamp(s + 1);
      weight[o] = f32(1 - f);
      weight[o + 1] = f;
    } else {
      cubicCoefficients(f, cb);
      for (let j = 0; j < 4; j++) {
        index[o + j] = clamp(s - 1 + j);
        weight[o + j] = cb[j]!;
      }
    }
  }
  return {
    k,
    index,
    weight,
    weight32: Float32Array.from(weight),
    valid,
    allValid: valid.every((v) => v === 1),
  };
}

/** Recently used taps of `resampleScoreMap`: a run upsamples every map between the same sizes. */
const tapsCache = new Map<string, Taps>();
const TAPS_CACHE_SIZE = 16;

function cachedAxisTaps(outSize: number, srcSize: number, method: ResampleMethod): Taps {
  const key = `${outSize} ${srcSize} ${method}`;
  let taps = tapsCache.get(key);
  if (taps === undefined) {
    taps = axisTaps(outSize, srcSize, method, sourceCoordinate(1 / (outSize / srcSize), method));
    if (tapsCache.size >= TAPS_CACHE_SIZE) tapsCache.clear();
    tapsCache.set(key, taps);
  }
  return taps;
}

/**
 * Separable resampling: horizontal pass over every source row, then vertical, in float32. The
 * vertical pass (all but a few of the operations) runs in WebAssembly where it can
 * (resample-wasm.ts), else here; `js` keeps it here (the twin the tests hold the other to).
 */
function separable(map: ScoreMap, outW: number, outH: number, xt: Taps, yt: Taps, js: boolean): ScoreMap {
  const src = map.data;
  const sw = map.width;
  const sh = map.height;
  // Horizontal pass: sh rows of outW.
  const tmp = new Float32Array(sh * outW);
  for (let y = 0; y < sh; y++) {
    const row = y * sw;
    const orow = y * outW;
    for (let x = 0; x < outW; x++) {
      if (!xt.valid[x]) continue;
      let acc = 0;
      for (let j = 0, o = x * xt.k; j < xt.k; j++, o++)
        acc = f32(acc + f32(src[row + xt.index[o]!]! * xt.weight[o]!));
      tmp[orow + x] = acc;
    }
  }
  const fast = js ? undefined : resampleVerticalWasm(tmp, outW, outH, yt, xt.valid, xt.allValid);
  if (fast !== undefined) return scoreMap(outW, outH, fast);
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    if (!yt.valid[y]) continue;
    const o = y * yt.k;
    const orow = y * outW;
    if (yt.k === 1) {
      out.set(tmp.subarray(yt.index[o]! * outW, yt.index[o]! * outW + outW), orow);
    } else {
      // Taps hoisted out of the row; the float32 operations stay in the same order (bit-exact).
      const w0 = yt.weight[o]!;
      const w1 = yt.weight[o + 1]!;
      const r0 = yt.index[o]! * outW;
      const r1 = yt.index[o + 1]! * outW;
      if (yt.k === 2 && xt.allValid) {
        for (let x = 0; x < outW; x++) out[orow + x] = f32(f32(w0 * tmp[r0 + x]!) + f32(w1 * tmp[r1 + x]!));
      } else if (yt.k === 2) {
        for (let x = 0; x < outW; x++) {
          if (xt.valid[x]) out[orow + x] = f32(f32(w0 * tmp[r0 + x]!) + f32(w1 * tmp[r1 + x]!));
        }
      } else {
        const w2 = yt.weight[o + 2]!;
        const w3 = yt.weight[o + 3]!;
        const r2 = yt.index[o + 2]! * outW;
        const r3 = yt.index[o + 3]! * outW;
        for (let x = 0; x < outW; x++) {
          if (!xt.valid[x]) continue;
          let acc = f32(w0 * tmp[r0 + x]!);
          acc = f32(acc + f32(w1 * tmp[r1 + x]!));
          acc = f32(acc + f32(w2 * tmp[r2 + x]!));
          out[orow + x] = f32(acc + f32(w3 * tmp[r3 + x]!));
        }
      }
    }
  }
  return scoreMap(outW, outH, out);
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resample target must be positive integers, got ${width}x${height}`);
  }
}

/** `cv2.resize(map, (width, height), interpolation=...)` for a float32 score map. */
export function resampleScoreMap(
  map: ScoreMap,
  width: number,
  height: number,
  method: ResampleMethod = 'bilinear',
): ScoreMap {
  return resample(map, width, height, method, false);
}

/** `resampleScoreMap` with every pass in JS: the twin the WebAssembly pass is tested against. */
export function resampleScoreMapJs(
  map: ScoreMap,
  width: number,
  height: number,
  method: ResampleMethod = 'bilinear',
): ScoreMap {
  return resample(map, width, height, method, true);
}

function resample(
  map: ScoreMap,
  width: number,
  height: number,
  method: ResampleMethod,
  js: boolean,
): ScoreMap {
  checkSize(width, height);
  if (width === map.width && height === map.height) return scoreMap(width, height, map.data.slice());
  // OpenCV: scale = 1 / (dst / src) in double, the source position rounded to float.
  const xt = cachedAxisTaps(width, map.width, method);
  const yt = cachedAxisTaps(height, map.height, method);
  return separable(map, width, height, xt, yt, js);
}

/**
 * The resampling of one axis as a dense [outSize x srcSize] float32 matrix (row-major), with the
 * very taps `resampleScoreMap` uses (taps that clamp onto the same source sample add up).
 * `R_y · M · R_xᵀ` is the resampled map: how the on-device CAM graph resizes with MatMul.
 */
export function resampleMatrix(outSize: number, srcSize: number, method: ResampleMethod): Float32Array {
  checkSize(outSize, srcSize);
  const matrix = new Float32Array(outSize * srcSize);
  if (outSize === srcSize) {
    for (let i = 0; i < outSize; i++) matrix[i * srcSize + i] = 1;
    return matrix;
  }
  const taps = cachedAxisTaps(outSize, srcSize, method);
  for (let i = 0; i < outSize; i++) {
    for (let j = 0, o = i * taps.k; j < taps.k; j++, o++) {
      const at = i * srcSize + taps.index[o]!;
      matrix[at] = Math.fround(matrix[at]! + taps.weight[o]!);
    }
  }
  return matrix;
}

/** OpenCV's source position of output sample i, in double for nearest, rounded to float otherwise. */
function sourceCoordinate(scale: number, method: ResampleMethod): (i: number) => number {
  return method === 'nearest' ? (i) => (i + 0.5) * scale - 0.5 : (i) => f32((i + 0.5) * scale - 0.5);
}

/**
 * A map defined over the model input (any grid covering the whole input: the feature grid or
 * the input pixels) to original-image pixels. Each original pixel centre is mapped through the
 * geometry (original -> resized image -> input window) and the map is sampled there with the
 * given kernel (OpenCV's, border replicate). Original pixels that fall outside the input window
 * (cut away by a centre crop) get 0. For a plain resize geometry this equals
 * `resampleScoreMap(map, originalWidth, originalHeight, method)` to float rounding.
 */
export function scoreMapToOriginal(
  map: ScoreMap,
  geometry: ImageGeometry,
  method: ResampleMethod = 'bilinear',
): ScoreMap {
  return toOriginal(map, geometry, method, false);
}

/** `scoreMapToOriginal` with every pass in JS: the twin the WebAssembly pass is tested against. */
export function scoreMapToOriginalJs(
  map: ScoreMap,
  geometry: ImageGeometry,
  method: ResampleMethod = 'bilinear',
): ScoreMap {
  return toOriginal(map, geometry, method, true);
}

function toOriginal(map: ScoreMap, geometry: ImageGeometry, method: ResampleMethod, js: boolean): ScoreMap {
  const g = geometry;
  const axis = (outSize: number, resized: number, crop: number, input: number, grid: number) =>
    axisTaps(outSize, grid, method, (i) => {
      const u = ((i + 0.5) * resized) / outSize - crop;
      if (u < 0 || u >= input) return Number.NaN;
      return (u * grid) / input - 0.5;
    });
  const xt = axis(g.originalWidth, g.resizeWidth, g.cropX, g.inputWidth, map.width);
  const yt = axis(g.originalHeight, g.resizeHeight, g.cropY, g.inputHeight, map.height);
  return separable(map, g.originalWidth, g.originalHeight, xt, yt, js);
}
