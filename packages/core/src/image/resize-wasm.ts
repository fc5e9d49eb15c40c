/**
 * The preprocessing resize in WebAssembly (core/wasm/resize.c, built by
 * scripts/build-resize-wasm.sh): the same fixed-point passes as resize-to-tensor.ts, so the same
 * tensor bit for bit (core/test/image/resize-wasm.test.ts holds it to the JS passes), in 128-bit
 * SIMD (a pixel's three channels per multiply-add in the horizontal pass, 16 bytes of a row in the
 * vertical one) and without bounds checks. Resize + normalise of a 227 px photo: 0.16 against
 * 0.8 core-ms on the JS passes; a bicubic 500x375: 0.43 against 3.6 (here, one thread).
 *
 * One instance per thread, made on first use; the source rows, coefficients, value tables and
 * output planes go into its memory for each call, and the planes are copied into the tensor.
 * `CAM_LOCALIZE_RESIZE=js` (or a runtime without WebAssembly SIMD) keeps the JS passes.
 */
import { readFileSync } from 'node:fs';
import type { Coefficients, Interpolation, Region } from './resize.js';
import { coefficients, sourceRows } from './resize.js';
import type { TensorTarget } from './resize-to-tensor.js';
import type { RgbImage } from './types.js';

interface ResizeExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  readonly __heap_base: { readonly value: number };
  horizontal(
    src: number,
    inW: number,
    row0: number,
    rows: number,
    col0: number,
    cols: number,
    start: number,
    count: number,
    taps: number,
    weights: number,
    out: number,
  ): void;
  vertical(
    src: number,
    stride: number,
    srcRow0: number,
    outRow0: number,
    outRows: number,
    width: number,
    start: number,
    count: number,
    taps: number,
    weights: number,
    tables: number,
    planes: number,
    row: number,
  ): void;
}

/** The little of the WebAssembly global used here (this project's TypeScript libs omit it). */
interface WasmGlobal {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}

const PAGE = 65536;
/** Memory kept between calls; a call that needed more drops the instance afterwards. */
const KEEP_BYTES = 64 * 1024 * 1024;
const WASM_FILE = new URL('../../wasm/resize.wasm', import.meta.url);

let compiled: object | undefined;
let instance: ResizeExports | undefined;
/** Why this thread runs the JS passes (undefined while WebAssembly serves). */
let unavailable: string | undefined;

/** This thread's instance, or undefined where WebAssembly (SIMD) is missing or switched off. */
function getInstance(): ResizeExports | undefined {
  if (instance !== undefined || unavailable !== undefined) return instance;
  if (process.env.CAM_LOCALIZE_RESIZE === 'js') {
    unavailable = 'CAM_LOCALIZE_RESIZE=js';
    return undefined;
  }
  try {
    const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;
    compiled ??= new wasm.Module(readFileSync(WASM_FILE));
    instance = new wasm.Instance(compiled, {}).exports as ResizeExports;
  } catch (error) {
    unavailable = `WebAssembly SIMD did not load: ${error instanceof Error ? error.message : String(error)}`;
  }
  return instance;
}

/** Which resize preprocessing runs on this thread, and why (for `cam-localize doctor`). */
export function resizeEngine(): string {
  return getInstance() !== undefined ? 'WebAssembly SIMD' : `JS passes (${unavailable})`;
}

/** A bump allocator over the instance's memory for one call (16-byte aligned blocks). */
class Arena {
  private at: number;
  constructor(
    private readonly wasm: ResizeExports,
    bytes: number,
  ) {
    this.at = (wasm.__heap_base.value + 15) & ~15;
    const need = this.at + bytes;
    const have = wasm.memory.buffer.byteLength;
    if (need > have) wasm.memory.grow(Math.ceil((need - have) / PAGE));
  }

  take(bytes: number): number {
    const p = this.at;
    this.at += (bytes + 15) & ~15;
    return p;
  }

  /** Copies `data` in (`slack` more bytes reserved after it); returns its address. */
  put(data: ArrayBufferView, slack = 0): number {
    const p = this.take(data.byteLength + slack);
    new Uint8Array(this.wasm.memory.buffer, p, data.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    return p;
  }

  get used(): number {
    return this.at;
  }
}

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

/**
 * `resizeRegionIntoTensor` in WebAssembly: resizes `img` to `width x height` and writes the window
 * `region`, normalised, into `target`. Returns false, having written nothing, where WebAssembly
 * is not available (the caller then runs the JS passes).
 */
export function resizeRegionIntoTensorWasm(
  img: RgbImage,
  width: number,
  height: number,
  region: Region,
  interpolation: Exclude<Interpolation, 'nearest'>,
  antialias: boolean,
  target: TensorTarget,
): boolean {
  const wasm = getInstance();
  if (wasm === undefined) return false;
  const { x, y, width: w, height: h } = region;
  const vertCoefficients =
    img.height !== height
      ? coefficients(img.height, height, interpolation, antialias)
      : cachedIdentity(img.height);
  const [row0, rowEnd] = sourceRows(vertCoefficients, y, h);
  const vert = axisTaps(vertCoefficients);
  const hor =
    img.width !== width ? axisTaps(coefficients(img.width, width, interpolation, antialias)) : undefined;
  const rows = rowEnd - row0;
  const srcBytes = rows * img.width * 3;
  const tmpBytes = hor === undefined ? 0 : rows * w * 3;
  const planeFloats = 3 * w * h;
  const bytes =
    srcBytes +
    tmpBytes +
    (hor === undefined ? 0 : tapBytes(hor)) +
    tapBytes(vert) +
    3 * 256 * 4 +
    w * 3 +
    planeFloats * 4 +
    8 +
    16 * 12;
  let arena: Arena;
  try {
    arena = new Arena(wasm, bytes);
  } catch {
    // The memory could not grow (a huge image): the JS passes take this one.
    instance = undefined;
    return false;
  }
  // 4 bytes of slack after the rows and after the horizontal pass's output: its SIMD loop reads and
  // writes one byte past the last pixel (resize.c).
  const src = arena.put(img.data.subarray(row0 * img.width * 3, rowEnd * img.width * 3), 4);
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
    wasm.horizontal(src, img.width, 0, rows, x, w, start, count, hor.taps, weights, rowsAt);
    stride = w * 3;
  } else {
    rowsAt = src + x * 3;
    stride = img.width * 3;
  }
  const rowScratch = arena.take(w * 3 + 16);
  const planes = arena.take(planeFloats * 4);
  const [start, count, weights] = putTaps(arena, vert);
  wasm.vertical(rowsAt, stride, row0, y, h, w, start, count, vert.taps, weights, tables, planes, rowScratch);

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
  if (arena.used > KEEP_BYTES) instance = undefined;
  return true;
}
