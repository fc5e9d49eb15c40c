/**
 * Decoding images with sharp (libvips); encode.ts encodes them. This is the only module of the
 * repository that loads sharp, lazily (`await import('sharp')`) on first use, so that importing
 * @cam-localize/core loads no native code; encode.ts gets it through {@link getSharp}.
 *
 * Decoding normalises everything to {@link RgbImage}: EXIF orientation is applied; grey, grey+alpha,
 * palette, CMYK (through its ICC profile, or libvips' built-in CMYK profile when it has none),
 * 16-bit and other colour spaces are converted to 8-bit sRGB; an alpha channel is flattened onto
 * WHITE (as a browser shows a transparent PNG on a white page). Only the first frame of animated
 * or multi-page files is read.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ImageError, UsageError } from '../errors.js';
import {
  assertRegularFileSync,
  readFailureReason,
  readRegularFile,
  readRegularFileSync,
} from '../files/regular-file.js';
import { decodePlainJpegRgba, plainJpegHeader } from './jpeg-wasm.js';
import { rgbImageOf } from './rgba.js';
import { looksLikeSvg, svgDensity } from './svg-sniff.js';
import type { RgbaPixels, RgbImage } from './types.js';

// The subset of sharp's API used here; typed loosely so that no type import pulls sharp in.
type SharpModule = typeof import('sharp');
export type SharpFactory = SharpModule['default'];

let sharpPromise: Promise<SharpFactory> | undefined;
/** Set by {@link setUpDecoderForPool}: the settings sharp gets when it is loaded. */
let poolSettings = false;

/** One libvips thread per operation and no operation cache (see {@link setUpDecoderForPool}). */
function applyPoolSettings(sharp: SharpFactory): void {
  sharp.concurrency(1);
  sharp.cache(false);
}

/** sharp, loaded on first use (a typed error where it cannot be loaded). */
export async function getSharp(): Promise<SharpFactory> {
  sharpPromise ??= import('sharp').then(
    (m) => {
      const sharp = (m as unknown as { default?: SharpFactory }).default ?? (m as unknown as SharpFactory);
      if (poolSettings) applyPoolSettings(sharp);
      return sharp;
    },
    (error: unknown) => {
      sharpPromise = undefined;
      throw new ImageError('E_IMAGE_READ', `cannot load the image library sharp: ${String(error)}`, {
        hint: 'reinstall dependencies (pnpm install) for this platform',
        cause: error,
      });
    },
  );
  return sharpPromise;
}

/**
 * Sets libvips up for a pool of decode workers (process-wide, as sharp's settings are): one libvips
 * thread per image operation, since the workers are the parallelism and libvips threads on top
 * would only oversubscribe the cores; and no operation cache, since a pipeline sees each image once
 * and the cache only costs (its lookups and trims under one lock: 5-8% of a decode's CPU, measured
 * on 2 cores with 8 decodes in flight). sharp itself is not loaded here: a worker that only meets
 * plain JPEGs (decoded in WebAssembly) never loads it, and one that does gets these settings when
 * it loads (each pipeline thread's start-up was 0.1-0.2 s of CPU shorter, `pnpm bench startup`).
 */
export async function setUpDecoderForPool(): Promise<void> {
  poolSettings = true;
  if (sharpPromise !== undefined) applyPoolSettings(await sharpPromise);
}

/** The size of an image as it is shown: EXIF orientations 5 to 8 swap width and height. */
function uprightSize(meta: {
  width?: number | undefined;
  height?: number | undefined;
  orientation?: number | undefined;
}): [number, number] {
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  return (meta.orientation ?? 1) >= 5 ? [h, w] : [w, h];
}

/** Default pixel limit against decompression bombs: 100 megapixels. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** A resize done by libvips while decoding: to width x height, then the region cut out. */
export interface VipsResizePlan {
  readonly width: number;
  readonly height: number;
  readonly kernel: 'nearest' | 'linear' | 'cubic';
  readonly region: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  };
}

export interface LoadImageOptions {
  /**
   * Resize in libvips while decoding: called with the upright image's size, it returns the resize
   * and the region to keep (or undefined for none). The image returned is then that region.
   */
  resize?: (width: number, height: number) => VipsResizePlan | undefined;
  /** Largest accepted width x height (before any resizing). Default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
  /** The name used in messages and kept in `RgbImage.file` (defaults to the path when given one). */
  file?: string;
  /**
   * `auto` (default): plain JPEGs in WebAssembly (same pixels, see jpeg-wasm.ts), the rest with
   * sharp; `sharp`: everything with sharp.
   */
  decoder?: 'auto' | 'sharp';
  /**
   * Read SVG (and SVGZ) images, recognised by their content whatever the file's name. Default
   * false: libvips renders an SVG at its declared size (118 bytes can declare 9999x9999), and a
   * dataset of photos never holds one, so one is refused with an ImageError.
   */
  allowSvg?: boolean;
  /**
   * The size the caller needs of an image of `width x height` (e.g. its preprocessing resize): an
   * allowed SVG is rendered at a density that gives that, never larger than declared, and its
   * size is the size rendered.
   */
  neededSize?: (width: number, height: number) => { width: number; height: number };
}

function tooLarge(name: string, width: number, height: number, maxPixels: number): ImageError {
  return new ImageError(
    'E_IMAGE_TOO_LARGE',
    `image is ${width}x${height} = ${width * height} pixels, more than the limit of ${maxPixels}`,
    {
      file: name,
      hint: 'raise the pixel limit `maxPixels` if the image is trusted',
    },
  );
}

/**
 * Decodes an image file (a path) or its bytes to 8-bit sRGB RGB, upright.
 * Throws ImageError: E_IMAGE_READ for unreadable, corrupt, truncated or unsupported files,
 * E_IMAGE_TOO_LARGE when width x height exceeds `maxPixels`; both name the file.
 */
export async function loadImage(
  source: string | Uint8Array,
  options: LoadImageOptions = {},
): Promise<RgbImage> {
  return (await load(source, options, false)) as RgbImage;
}

/**
 * {@link loadImage} for a caller that only preprocesses the image: a plain JPEG comes back in the
 * WebAssembly decoder's RGBA (no RGB copy; `preprocess` reads either), everything else as RGB.
 */
export async function loadPixels(
  source: string | Uint8Array,
  options: LoadImageOptions = {},
): Promise<RgbImage | RgbaPixels> {
  return load(source, options, true);
}

async function load(
  source: string | Uint8Array,
  options: LoadImageOptions,
  rgba: boolean,
): Promise<RgbImage | RgbaPixels> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) {
    throw new UsageError(`maxPixels must be a positive number, got ${maxPixels}`);
  }
  const name = options.file ?? (typeof source === 'string' ? source : '<buffer>');
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readRegularFile(source);
    } catch (error) {
      throw unreadable(name, error);
    }
  } else {
    bytes = source;
  }
  if (bytes.length === 0) throw emptyFile(name);
  const input = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const svg = looksLikeSvg(bytes);
  if (options.resize === undefined && !svg && options.decoder !== 'sharp') {
    // A plain JPEG, decoded in WebAssembly on this thread (same pixels; jpeg-wasm.ts says why),
    // without loading sharp.
    const plain = await decodePlainJpegRgba(input, maxPixels);
    if (plain !== undefined) return rgba ? { ...plain, file: name } : rgbImageOf({ ...plain, file: name });
  }
  const sharp = await getSharp();
  const density = svg ? await svgRenderDensity(sharp, input, name, options) : undefined;
  if (options.resize === undefined && density === undefined) {
    // The common case in one libvips call, the pixel limit enforced by the decoder. (Reading the
    // bytes here is faster than letting libvips read the file.) A failure is diagnosed again
    // below, with the header read first, for the precise typed error.
    const decoded = await rawPipeline(sharp(input, limitedInput(maxPixels)))
      .toBuffer({ resolveWithObject: true })
      .catch(() => undefined);
    if (decoded !== undefined) return rgbFromRaw(decoded, name);
  }

  let meta: Awaited<ReturnType<ReturnType<SharpFactory>['metadata']>>;
  try {
    meta = await sharp(input, { limitInputPixels: false, ...densityOption(density) }).metadata();
  } catch (error) {
    throw decodeError(name, error);
  }
  if (meta.width !== undefined && meta.height !== undefined && meta.width * meta.height > maxPixels) {
    throw tooLarge(name, meta.width, meta.height, maxPixels);
  }
  let out: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    const plan = options.resize?.(...uprightSize(meta));
    out = await rawPipeline(
      sharp(input, { ...limitedInput(maxPixels), ...densityOption(density) }),
      plan,
    ).toBuffer({
      resolveWithObject: true,
    });
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message)) {
      throw tooLarge(name, meta.width ?? 0, meta.height ?? 0, maxPixels);
    }
    throw decodeError(name, error);
  }
  return rgbFromRaw(out, name);
}

/**
 * An image file's bytes, read synchronously: for worker threads, where it saves the four trips
 * through libuv's pool (open, stat, read, close) that an asynchronous read takes, and blocks only
 * the worker. Throws the ImageError `loadImage` throws for a file it cannot read.
 */
export function readImageBytesSync(path: string, name: string = path): Uint8Array {
  try {
    return readRegularFileSync(path);
  } catch (error) {
    throw unreadable(name, error);
  }
}

function unreadable(name: string, error: unknown): ImageError {
  return new ImageError('E_IMAGE_READ', `cannot read image file: ${readFailureReason(error, name)}`, {
    file: name,
    cause: error,
  });
}

function emptyFile(name: string): ImageError {
  return new ImageError('E_IMAGE_READ', 'cannot read image file: empty file (0 bytes)', { file: name });
}

/**
 * The density to render an SVG at (see {@link LoadImageOptions.allowSvg}): the one that gives the
 * needed size, or libvips' own 72 dpi when the caller names none. Throws the ImageError of a
 * refused SVG when SVG is not allowed.
 */
async function svgRenderDensity(
  sharp: SharpFactory,
  input: Buffer,
  name: string,
  options: LoadImageOptions,
): Promise<number> {
  if (options.allowSvg !== true) {
    throw new ImageError(
      'E_IMAGE_READ',
      'is an SVG (vector) image, whatever its name says: not read unless SVG is allowed',
      {
        file: name,
        hint: 'convert it to PNG or JPEG, or pass `allowSvg` to render it at the size the model needs',
      },
    );
  }
  if (options.neededSize === undefined) return 72;
  let meta: Awaited<ReturnType<ReturnType<SharpFactory>['metadata']>>;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(name, error);
  }
  const [width, height] = uprightSize(meta);
  if (!(width > 0 && height > 0)) return 72;
  return svgDensity(width, height, options.neededSize(width, height));
}

function densityOption(density: number | undefined): { density?: number } {
  return density === undefined ? {} : { density };
}

/** Decoder options: the pixel limit, and failing on a truncated or corrupt file. */
function limitedInput(maxPixels: number) {
  return { limitInputPixels: Math.max(1, Math.floor(maxPixels)), failOn: 'warning' } as const;
}

/**
 * The decode as `loadImage` wants it: upright (EXIF), alpha flattened on white, then the libvips
 * resize and crop where planned (on the upright image: sharp applies them in call order), sRGB,
 * 8-bit.
 */
function rawPipeline(pipeline: ReturnType<SharpFactory>, plan?: VipsResizePlan): ReturnType<SharpFactory> {
  let p = pipeline.autoOrient().flatten({ background: WHITE });
  if (plan !== undefined) {
    // libvips resizes (shrinking on load where the format allows), then cuts the region out.
    p = p
      .resize(plan.width, plan.height, { fit: 'fill', kernel: plan.kernel, fastShrinkOnLoad: true })
      .extract({
        left: plan.region.x,
        top: plan.region.y,
        width: plan.region.width,
        height: plan.region.height,
      });
  }
  return p.toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' });
}

const WHITE = { r: 255, g: 255, b: 255 };

/** sharp's raw output (1 to 4 channels) as an interleaved RGB image. */
function rgbFromRaw(
  out: { data: Buffer; info: { width: number; height: number; channels: number } },
  name: string,
): RgbImage {
  const { width, height, channels } = out.info;
  const bytes = width * height * 3;
  // sharp's own buffer, when it holds just these pixels (not a slice of Node's shared pool): a copy
  // would be a second image's worth of memory at once (300 MB at 100 MP)
  if (channels === 3 && out.data.byteOffset === 0 && out.data.buffer.byteLength === bytes) {
    return { width, height, data: new Uint8Array(out.data.buffer, 0, bytes), file: name };
  }
  const data = new Uint8Array(bytes);
  if (channels === 3) {
    data.set(out.data.subarray(0, data.length));
  } else if (channels === 1) {
    for (let i = 0, n = width * height; i < n; i++) {
      const v = out.data[i]!;
      data[3 * i] = v;
      data[3 * i + 1] = v;
      data[3 * i + 2] = v;
    }
  } else {
    for (let i = 0, n = width * height; i < n; i++) {
      data[3 * i] = out.data[channels * i]!;
      data[3 * i + 1] = out.data[channels * i + 1]!;
      data[3 * i + 2] = out.data[channels * i + 2]!;
    }
  }
  return { width, height, data, file: name };
}

/** An image's upright size, as `loadImage` would decode it. */
export interface ImageSize {
  width: number;
  height: number;
}

/**
 * The size of an image file from its header alone (no pixel decoding), upright: EXIF orientations
 * 5 to 8 swap width and height, as `loadImage` does when it applies them. Throws ImageError
 * (E_IMAGE_READ) naming the file when it cannot be read or its header gives no size.
 */
export async function readImageSize(file: string): Promise<ImageSize> {
  try {
    // libvips would open a FIFO and wait for a writer: only regular files go to it.
    assertRegularFileSync(file);
  } catch (error) {
    throw unreadable(file, error);
  }
  const plain = plainJpegSize(file);
  if (plain !== undefined) return plain;
  const sharp = await getSharp();
  let meta: Awaited<ReturnType<ReturnType<SharpFactory>['metadata']>>;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(file, error);
  }
  if (meta.width === undefined || meta.height === undefined) {
    throw new ImageError('E_IMAGE_READ', 'the image header gives no size', { file });
  }
  const swap = meta.orientation !== undefined && meta.orientation >= 5;
  return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}

/** Bytes read for a JPEG's header: its markers up to the scan fit in them unless EXIF is large. */
const HEADER_BYTES = 65_536;

/**
 * The size of a plain JPEG (see jpeg-wasm.ts: upright, no orientation to apply) from the markers in
 * its first bytes, without loading sharp; undefined for anything else, which libvips reads: a file
 * that does not end with the end-of-image marker (cut short) included. A JPEG whose tables are
 * corrupt while its markers and its end are intact is sized here where libvips would refuse its
 * header; `run` decodes it and names it. `eval` checks 1000 stored sizes this way without sharp.
 */
function plainJpegSize(file: string): ImageSize | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const end = new Uint8Array(2);
    if (size < 4 || readSync(fd, end, 0, 2, size - 2) !== 2 || end[0] !== 0xff || end[1] !== 0xd9)
      return undefined;
    const bytes = new Uint8Array(Math.min(HEADER_BYTES, size));
    const header = plainJpegHeader(bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0)));
    return header === undefined ? undefined : { width: header.width, height: header.height };
  } catch {
    return undefined; // libvips reads it and names the error
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function decodeError(name: string, error: unknown): ImageError {
  const raw = error instanceof Error ? error.message : String(error);
  const first = raw.split('\n')[0]!.trim();
  return new ImageError('E_IMAGE_READ', `cannot decode image: ${first}`, {
    file: name,
    hint: 'the file is corrupt, truncated or not an image format sharp supports',
    cause: error,
  });
}
