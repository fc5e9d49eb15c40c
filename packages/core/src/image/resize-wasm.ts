/**
 * The preprocessing resize in WebAssembly (core/wasm/resize.c, loaded by ../wasm/kernels.ts):
 * the same fixed-point passes as resize-to-tensor.ts, so the same tensor bit for bit
 * (core/test/image/resize-wasm.test.ts holds it to the JS passes), in 128-bit SIMD (a pixel's
 * three channels per multiply-add in the horizontal pass, 16 bytes of a row in the vertical one)
 * and without bounds checks. Resize + normalise of a 227 px photo: 0.16 against 0.8 core-ms on
 * the JS passes; a bicubic 500x375: 0.43 against 3.6 (here, one thread).
 *
 * The source rows, coefficients, value tables and output planes go into the instance's memory
 * for each call, and the planes are copied into the tensor.
 */
import { type Arena, arenaFor, kernels, releaseArena } from '../wasm/kernels.js';
import type { Coefficients, Interpolation, Region } from './resize.js';
import { coefficients, sourceRows } from './resize.js';
import type { TensorTarget } from './resize-to-tensor.js';
import type { RgbaPixels, RgbImage } from './types.js';

/**
 * An axis's taps as the passes take them: the fixed window where there is one (the rows that
 * `sourceRows` counts, and no per-sample count), else the general start/count form.
 */
interface AxisTaps {
  readonly start: Int32Array;
  readonly count?: Int32Array;
  readonly taps: number;
  readonly weights: Int32Array;
}

function axisTaps(c: Coefficients): AxisTaps {
  return c.window === undefined
    ? { start: c.start, count: c.count, taps: c.taps, weights: c.weights }
    : { start: c.window.first, taps: c.window.size, weights: c.window.weights };
}

/** Bytes an axis's taps take in the arena. */
const tapBytes = (t: AxisTaps) => t.start.byteLength + (t.count?.byteLength ?? 0) + t.weights.byteLength + 48;

/** Copies an axis's taps in; returns [start, count (0: none), weights] addresses. */
function putTaps(arena: Arena, t: AxisTaps): [number, number, number] {
  return [arena.put(t.start), t.count === undefined ? 0 : arena.put(t.count), arena.put(t.weights)];
}

/** Coefficients that copy each row as it is (an axis that is not resized). */
function identity(size: number): Coefficients {
  const start = Int32Array.from({ length: size }, (_, i) => i);
  return { taps: 1, start, count: new Int32Array(size).fill(1), weights: new Int32Array(size).fill(2 ** 22) };
}

const identityCache = new Map<number, Coefficients>();

function cachedIdentity(size: number): Coefficients {
  let c = identityCache.get(size);
  if (c === undefined) {
    if (identityCache.size >= 8) identityCache.clear();
    c = identity(size);
    identityCache.set(size, c);
  }
  return c;
}

/** The most source bytes copied into WebAssembly memory for one resize (64 MiB: 21 MP of RGB). */
const WASM_MAX_SOURCE_BYTES = 64 * 1024 * 1024;

/**
 * `resizeRegionIntoTensor` in WebAssembly: resizes `img` to `width x height` and writes the window
 * `region`, normalised, into `target`. Returns false, having written nothing, where WebAssembly
 * is not available (the caller then runs the JS passes). `img` may be the decoder's RGBA, read as
 * it is (alpha ignored).
 */
export function resizeRegionIntoTensorWasm(
  img: RgbImage | RgbaPixels,
  width: number,
  height: number,
  region: Region,
  interpolation: Exclude<Interpolation, 'nearest'>,
  antialias: boolean,
  target: TensorTarget,
): boolean {
  const wasm = kernels();
  if (wasm === undefined) return false;
  const { x, y, width: w, height: h } = region;
  const [pixels, bpp] = 'rgba' in img ? [img.rgba, 4] : [img.data, 3];
  const vertCoefficients =
    img.height !== height
      ? coefficients(img.height, height, interpolation, antialias)
      : cachedIdentity(img.height);
  const [row0, rowEnd] = sourceRows(vertCoefficients, y, h);
  const vert = axisTaps(vertCoefficients);
  const hor =
    img.width !== width ? axisTaps(coefficients(img.width, width, interpolation, antialias)) : undefined;
  const rows = rowEnd - row0;
  const srcBytes = rows * img.width * bpp;
  // The kernel reads its rows from its own memory: a copy the JS passes, reading in place, do not
  // make. Above this the copy would be a second image at once, so the JS passes take it.
  if (srcBytes > WASM_MAX_SOURCE_BYTES) return false;
  const tmpBytes = hor === undefined ? 0 : rows * w * 3;
  const planeFloats = 3 * w * h;
  const bytes =
    srcBytes +
    tmpBytes +
    (hor === undefined ? 0 : tapBytes(hor)) +
    tapBytes(vert) +
    3 * 256 * 4 +
    w * bpp +
    planeFloats * 4 +
    8 +
    16 * 12;
  // Undefined where the memory could not grow (a huge image): the JS passes take this one.
  const arena = arenaFor(wasm, bytes);
  if (arena === undefined) return false;
  // 4 bytes of slack after the rows and after the horizontal pass's output: its SIMD loop reads and
  // writes one byte past the last pixel (resize.c).
  const src = arena.put(pixels.subarray(row0 * img.width * bpp, rowEnd * img.width * bpp), 4);
  // Pixel channel j feeds tensor channel c where order[c] === j; the planes come out by pixel channel.
  const channelOf = [target.order.indexOf(0), target.order.indexOf(1), target.order.indexOf(2)];
  const tables = arena.take(3 * 256 * 4);
  const memory = wasm.memory.buffer;
  for (let j = 0; j < 3; j++)
    new Float32Array(memory, tables + j * 1024, 256).set(target.tables[channelOf[j]!]!);
  let rowsAt: number;
  let stride: number;
  if (hor !== undefined) {
    rowsAt = arena.take(tmpBytes + 4);
    const [start, count, weights] = putTaps(arena, hor);
    wasm.horizontal(src, img.width, bpp, 0, rows, x, w, start, count, hor.taps, weights, rowsAt);
    stride = w * 3;
  } else {
    rowsAt = src + x * bpp;
    stride = img.width * bpp;
  }
  // The horizontal pass gives RGB; without it the rows are the source's pixels.
  const rowBpp = hor === undefined ? bpp : 3;
  const rowScratch = arena.take(w * rowBpp + 16);
  const planes = arena.take(planeFloats * 4);
  const [start, count, weights] = putTaps(arena, vert);
  wasm.vertical(
    rowsAt,
    stride,
    rowBpp,
    row0,
    y,
    h,
    w,
    start,
    count,
    vert.taps,
    weights,
    tables,
    planes,
    rowScratch,
  );

  const out = new Float32Array(wasm.memory.buffer, planes, planeFloats);
  const { tensor, plane } = target;
  const at = target.y * target.width + target.x;
  for (let j = 0; j < 3; j++) {
    const from = j * w * h;
    const to = channelOf[j]! * plane + at;
    if (w === target.width) tensor.set(out.subarray(from, from + w * h), to);
    else
      for (let r = 0; r < h; r++)
        tensor.set(out.subarray(from + r * w, from + r * w + w), to + r * target.width);
  }
  releaseArena(arena);
  return true;
}
