/**
 * Ground-truth masks of wsolevaluation's mask datasets (OpenImages30k), read as its
 * `get_mask` / `load_mask_image` (evaluation.py) read them:
 *
 * - each mask file is read as 8-bit grey (`cv2.imread(path, cv2.IMREAD_GRAYSCALE)`), converted to
 *   float32, and resized to the evaluation frame with `cv2.resize(..., interpolation=INTER_NEAREST)`:
 *   output pixel (x, y) takes source pixel (floor(x * ifx), floor(y * ify)), ifx = 1 / (dstW / srcW)
 *   in double precision, clamped to the last column / row (OpenCV's `resizeNN`; NOT the pixel-centre
 *   rule of INTER_NEAREST_EXACT or PIL);
 * - the threshold `> 0.5` is applied to the raw grey values 0..255 (they are not scaled to [0, 1]
 *   first), so every non-zero grey level is foreground;
 * - the instance masks of an image are OR-ed;
 * - the ignore mask is thresholded the same way, and the ignore region is the ignore mask minus the
 *   foreground, so the two never intersect.
 *
 * Decoding goes through core's `loadImage` (sharp). Grey PNGs (what OpenImages30k ships) give
 * R = G = B and the grey value is taken as is. For colour pixels the grey level is libpng's
 * `png_set_rgb_to_gray(png_ptr, 1, 0.299, 0.587)` conversion that OpenCV's PNG reader asks for,
 * without gamma: (9797 R + 19234 G + 3737 B) >> 15. Known differences from cv2.imread: an alpha
 * channel is flattened onto white by `loadImage` where OpenCV strips it, and 16-bit PNGs are
 * brought to 8 bits by libvips where OpenCV keeps the high byte.
 *
 * One deliberate difference: an image whose metadata gives no ignore mask has no ignore region
 * (wsolevaluation would fail reading the mask root as a file).
 */
import { CamLocalizeError, DataError, loadImage, type RgbImage, UsageError } from '@cam-localize/core';
import type { DatasetItem } from './datasets/types.js';

export interface MaskFrame {
  /** Evaluation frame width (wsolevaluation: 224). */
  width: number;
  /** Evaluation frame height (wsolevaluation: 224). */
  height: number;
}

export interface GroundTruthMask {
  width: number;
  height: number;
  /** 1 where any instance mask is foreground, else 0; row-major, width x height. */
  mask: Uint8Array;
  /** 1 in the ignore region (ignore mask minus foreground), else 0; null without an ignore file. */
  ignore: Uint8Array | null;
}

export interface ReadMaskOptions {
  /** Image decoder; default core's `loadImage`. Tests and callers with a cache may swap it. */
  load?: (file: string) => Promise<RgbImage>;
}

/** libpng's rgb_to_gray coefficients for (0.299, 0.587), in 1/32768 (truncated as libpng does). */
const RC = 9797;
const GC = 19234;
const BC = 32768 - RC - GC;

/**
 * The grey level of an 8-bit RGB image as cv2.imread(IMREAD_GRAYSCALE) gets it from a PNG: the
 * value itself where R = G = B, else libpng's truncating (rc*R + gc*G + bc*B) >> 15.
 */
export function greyFromRgb(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  const src = img.data;
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = src[j]!;
    const g = src[j + 1]!;
    const b = src[j + 2]!;
    out[i] = r === g && r === b ? r : (RC * r + GC * g + BC * b) >> 15;
  }
  return out;
}

/**
 * OpenCV's `cv2.resize(src, (dstW, dstH), interpolation=cv2.INTER_NEAREST)` on a one-channel
 * image: source index floor(x * (1 / (dstW / srcW))) (double precision), clamped to srcW - 1;
 * the same for rows.
 */
export function resizeNearestCv<T extends Uint8Array | Float32Array | Float64Array>(
  src: T,
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
): T {
  for (const [name, v] of [
    ['source width', srcWidth],
    ['source height', srcHeight],
    ['target width', dstWidth],
    ['target height', dstHeight],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new UsageError(`${name} must be a positive integer, got ${v}`);
  }
  if (src.length !== srcWidth * srcHeight) {
    throw new UsageError(
      `image has ${src.length} values, expected ${srcWidth}x${srcHeight} = ${srcWidth * srcHeight}`,
    );
  }
  const ctor = src.constructor as new (n: number) => T;
  const out = new ctor(dstWidth * dstHeight);
  const ifx = 1 / (dstWidth / srcWidth);
  const ify = 1 / (dstHeight / srcHeight);
  const xOfs = new Int32Array(dstWidth);
  for (let x = 0; x < dstWidth; x++) xOfs[x] = Math.min(Math.floor(x * ifx), srcWidth - 1);
  for (let y = 0; y < dstHeight; y++) {
    const sy = Math.min(Math.floor(y * ify), srcHeight - 1);
    const row = sy * srcWidth;
    const o = y * dstWidth;
    for (let x = 0; x < dstWidth; x++) out[o + x] = src[row + xOfs[x]!]!;
  }
  return out;
}

function maskReadError(file: string, error: unknown): DataError {
  const why =
    error instanceof CamLocalizeError
      ? error.message
      : error instanceof Error
        ? error.message.split('\n')[0]!
        : String(error);
  return new DataError('E_DATASET', `cannot read ground-truth mask: ${why}`, {
    file,
    hint: 'check the mask root (masks are relative to it) and the file',
    cause: error,
  });
}

/**
 * wsolevaluation's `load_mask_image`: one mask file as grey levels 0..255 in the evaluation frame
 * (nearest-neighbour, OpenCV rule). Throws a DataError naming the file when it is missing or cannot
 * be decoded.
 */
export async function readMaskImage(
  file: string,
  frame: MaskFrame,
  options: ReadMaskOptions = {},
): Promise<Uint8Array> {
  let img: RgbImage;
  try {
    img = await (options.load ?? loadImage)(file);
  } catch (error) {
    throw maskReadError(file, error);
  }
  return resizeNearestCv(greyFromRgb(img), img.width, img.height, frame.width, frame.height);
}

/**
 * wsolevaluation's `get_mask` for one dataset item: the foreground (any instance mask > 0.5 on the
 * 0..255 grey scale) and the ignore region (ignore mask > 0.5, minus the foreground) in the
 * evaluation frame. Throws a UsageError when the item has no mask, a DataError naming the file when
 * a mask file is missing or corrupt.
 */
export async function readGroundTruthMask(
  item: Pick<DatasetItem, 'id' | 'mask'>,
  frame: MaskFrame,
  options: ReadMaskOptions = {},
): Promise<GroundTruthMask> {
  const { width, height } = frame;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new UsageError(`the mask frame must be positive integers, got ${width}x${height}`);
  }
  const spec = item.mask;
  if (spec === undefined) throw new UsageError(`image ${JSON.stringify(item.id)} has no ground-truth mask`);
  if (spec.files.length === 0) {
    throw new DataError('E_DATASET', `image ${JSON.stringify(item.id)} lists no instance mask file`);
  }
  const n = width * height;
  const mask = new Uint8Array(n);
  for (const file of spec.files) {
    const grey = await readMaskImage(file, frame, options);
    for (let i = 0; i < n; i++) if (grey[i]! > 0.5) mask[i] = 1;
  }
  let ignore: Uint8Array | null = null;
  if (spec.ignoreFile !== undefined) {
    const grey = await readMaskImage(spec.ignoreFile, frame, options);
    ignore = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (grey[i]! > 0.5 && mask[i] === 0) ignore[i] = 1;
  }
  return { width, height, mask, ignore };
}

/**
 * Per-pixel labels for `PxapEvaluator.accumulate`: 1 foreground, 0 background, 255 ignore
 * (`mask + 255 * ignore`, as `get_mask` returns them).
 */
export function groundTruthLabels(gt: GroundTruthMask): Uint8Array {
  const n = gt.mask.length;
  const out = new Uint8Array(n);
  const ig = gt.ignore;
  for (let i = 0; i < n; i++) out[i] = gt.mask[i]! === 1 ? 1 : ig !== null && ig[i]! === 1 ? 255 : 0;
  return out;
}
