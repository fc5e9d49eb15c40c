/**
 * JPEG decoding in WebAssembly (mozjpeg's decoder, as @jsquash/jpeg ships it): the hot path of
 * `loadImage` for plain JPEGs.
 *
 * Why not sharp alone: each sharp (libvips) call pays a cost that more threads do not spread, and
 * on a many-core GPU host that ceiling became `predict --device cuda`'s. This decoder runs on the
 * calling thread, one instance per thread with nothing shared, and is cheaper per photo even on one
 * thread (figures: packages/cli/bench/MEASUREMENTS.md; scripts/gpu/decode-scaling.mjs re-measures).
 *
 * Same pixels: mozjpeg decodes as libjpeg-turbo does (islow IDCT, fancy upsampling), the decoder
 * behind sharp and Pillow. All 1,196 test-bed JPEGs without a colour profile decode to identical
 * bytes (core/test/image/jpeg-wasm.test.ts). Only the plain case is taken ({@link plainJpegHeader});
 * for anything else the caller decodes with sharp, which also gives the typed errors:
 * - a colour profile (sharp converts it to sRGB, this decoder would not);
 * - an EXIF rotation;
 * - an Adobe marker (CMYK, RGB-coded);
 * - 12-bit samples, arithmetic, lossless or hierarchical coding;
 * - an image beyond the pixel limits;
 * - any message from the decoder (a truncated file warns).
 *
 * `CAM_LOCALIZE_JPEG_DECODER=sharp` turns it off (benchmarks compare the two).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { rgbImageOf } from './rgba.js';
import type { RgbaPixels, RgbImage } from './types.js';

export interface JpegHeader {
  readonly width: number;
  readonly height: number;
  readonly components: 1 | 3;
}

/** Largest image decoded here (each thread's WebAssembly memory grows to its largest image). */
export const WASM_JPEG_MAX_PIXELS = 16_777_216;

const SOI = 0xd8;
const SOS = 0xda;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;

/**
 * The size and components of a JPEG this module decodes exactly as sharp does, read from its
 * markers up to the scan; undefined for anything else (see the module notes).
 */
export function plainJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return undefined;
  let header: JpegHeader | undefined;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= SOI)) {
      at += 2; // markers without a length
      continue;
    }
    const end = at + 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
    const body = at + 4;
    if (end < body || end > bytes.length) return undefined;
    if (marker === SOS) return header;
    if (marker === APP2 && startsWith(bytes, body, 'ICC_PROFILE\0')) return undefined;
    if (marker === APP14 && startsWith(bytes, body, 'Adobe')) return undefined;
    if (marker === APP1 && startsWith(bytes, body, 'Exif\0\0')) {
      const orientation = exifOrientation(bytes.subarray(body + 6, end));
      if (orientation !== undefined && orientation !== 1) return undefined;
    }
    // Start of frame: only baseline, extended and progressive Huffman (C0-C2); C4, C8 and CC are
    // other markers in that range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (marker > 0xc2 || header !== undefined || end - body < 6) return undefined;
      const height = (bytes[body + 1]! << 8) | bytes[body + 2]!;
      const width = (bytes[body + 3]! << 8) | bytes[body + 4]!;
      const components = bytes[body + 5]!;
      if (bytes[body] !== 8 || width === 0 || height === 0) return undefined;
      if (components !== 1 && components !== 3) return undefined;
      header = { width, height, components };
    }
    at = end;
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * The Orientation tag (0x0112) of IFD0 in an EXIF block (a TIFF structure); undefined when the
 * tag is absent, and NaN when the block cannot be read (which the caller treats as not plain).
 */
export function exifOrientation(tiff: Uint8Array): number | undefined {
  if (tiff.length < 8) return Number.NaN;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return Number.NaN;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return Number.NaN;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return Number.NaN;
    if (view.getUint16(entry, little) === 0x0112) return view.getUint16(entry + 8, little);
  }
  return undefined;
}

interface MozjpegModule {
  decode(
    data: Uint8Array,
    preserveOrientation: boolean,
  ): { width: number; height: number; data: Uint8ClampedArray } | null;
}

interface Decoder {
  readonly module: MozjpegModule;
  /** What the decoder printed during the current call (libjpeg's warnings and errors). */
  readonly messages: string[];
}

let decoder: Promise<Decoder | undefined> | undefined;
/** Why the WebAssembly decoder did not load (undefined while it serves or has not been tried). */
let loadFailure: string | undefined;
/** The decoder's compiled code, kept across instances. */
let compiled: object | undefined;

/** This thread's decoder, instantiated on first use; undefined when it cannot be loaded. */
function getDecoder(): Promise<Decoder | undefined> {
  decoder ??= instantiate().catch((error: unknown) => {
    loadFailure = error instanceof Error ? error.message : String(error);
    return undefined;
  });
  return decoder;
}

/** Which decoder takes plain JPEGs on this thread, and why (for `cam-localize doctor`). */
export async function jpegDecoder(): Promise<string> {
  if (process.env.CAM_LOCALIZE_JPEG_DECODER === 'sharp') return 'sharp (CAM_LOCALIZE_JPEG_DECODER=sharp)';
  return (await getDecoder()) !== undefined
    ? 'WebAssembly (mozjpeg), sharp for the rest'
    : `sharp (the WebAssembly decoder did not load: ${loadFailure})`;
}

/** The little of the WebAssembly global used here (this project's TypeScript libs omit it). */
interface WasmGlobal {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}

/** The Emscripten glue's factory (typed here: the package's own types need the DOM's). */
type MozjpegFactory = (options: Record<string, unknown>) => Promise<MozjpegModule>;

const GLUE = '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';

async function instantiate(): Promise<Decoder | undefined> {
  if (process.env.CAM_LOCALIZE_JPEG_DECODER === 'sharp') return undefined;
  const wasmApi = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;
  compiled ??= new wasmApi.Module(
    readFileSync(createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm')),
  );
  const wasm = compiled;
  const factory = ((await import(GLUE)) as { default: MozjpegFactory }).default;
  const messages: string[] = [];
  const module = await factory({
    noInitialRun: true,
    print: (m: string) => messages.push(m),
    printErr: (m: string) => messages.push(m),
    // Instantiated from the bytes read above: the glue's own loader expects a browser's fetch.
    instantiateWasm: (imports: object, done: (instance: object) => void) => {
      const instance = new wasmApi.Instance(wasm, imports);
      done(instance);
      return instance.exports;
    },
  });
  return { module, messages };
}

/**
 * Decodes a plain JPEG (see {@link plainJpegHeader}) to RGB, or returns undefined for the caller
 * to decode with sharp: not plain, more than `maxPixels` (sharp then gives the typed error), or
 * anything the decoder said or threw.
 */
export async function decodePlainJpeg(bytes: Uint8Array, maxPixels: number): Promise<RgbImage | undefined> {
  const decoded = await decodePlainJpegRgba(bytes, maxPixels);
  return decoded === undefined ? undefined : rgbImageOf(decoded);
}

/** {@link decodePlainJpeg}, the pixels left in the decoder's RGBA (alpha 255). */
export async function decodePlainJpegRgba(
  bytes: Uint8Array,
  maxPixels: number,
): Promise<RgbaPixels | undefined> {
  const header = plainJpegHeader(bytes);
  if (header === undefined) return undefined;
  const pixels = header.width * header.height;
  if (pixels > maxPixels || pixels > WASM_JPEG_MAX_PIXELS) return undefined;
  const d = await getDecoder();
  if (d === undefined) return undefined;
  d.messages.length = 0;
  let rgba: { width: number; height: number; data: Uint8ClampedArray } | null;
  try {
    rgba = d.module.decode(bytes, true);
  } catch {
    // libjpeg's fatal errors leave the decoder's state and memory behind: the next call starts
    // a fresh instance (the compiled code is kept).
    decoder = undefined;
    return undefined;
  }
  if (rgba === null || d.messages.length > 0) return undefined;
  if (rgba.width !== header.width || rgba.height !== header.height) return undefined;
  const data = rgba.data;
  return {
    width: rgba.width,
    height: rgba.height,
    rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}
