/**
 * Image -> model input tensor, following a {@link PreprocessConfig}: resize (PIL-exact, see
 * resize.ts), centre crop (torchvision's rounding, padding with zero pixels where the crop is
 * larger than the image), channel order, `(pixel * scale - mean) / std` in float32 arithmetic as
 * torch does it. Returns the CHW tensor of one image and the {@link ImageGeometry} that maps
 * input pixels back to the original image exactly.
 */
import { UsageError } from '../errors.js';
import type { ImageGeometry } from '../geometry.js';
import { validatePreprocessConfig } from './config.js';
import type { PreprocessConfig } from './presets.js';
import { type Region, resizeRegion } from './resize.js';
import { resizeRegionIntoTensor, type TensorTarget } from './resize-to-tensor.js';
import { resizeRegionIntoTensorWasm } from './resize-wasm.js';
import { rgbImageOf } from './rgba.js';
import type { RgbaPixels, RgbImage } from './types.js';

export interface ModelInputSize {
  readonly inputWidth: number;
  readonly inputHeight: number;
}

export interface PreprocessResult {
  /** CHW float32, `3 * inputHeight * inputWidth` values (one image, no batch axis). */
  readonly tensor: Float32Array;
  readonly geometry: ImageGeometry;
}

/** Python 3's round() on a float: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** torchvision's `_compute_resized_output_size` for Resize(int): [width, height]. */
export function shorterSideSize(width: number, height: number, size: number): [number, number] {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? [size, newLong] : [newLong, size];
}

/** torchvision `center_crop` offset along one axis of length `size` for a crop of `crop`. */
export function centreCropOffset(size: number, crop: number): number {
  if (crop > size) return -Math.floor((crop - size) / 2);
  return roundHalfEven((size - crop) / 2);
}

/**
 * The geometry a config gives for an image of `width x height` (no pixels touched). With an
 * exact resize and no crop, a given model input size replaces `resize.size`; otherwise the
 * configured output must match the model input, or this throws a UsageError.
 */
export function preprocessGeometry(
  width: number,
  height: number,
  config: PreprocessConfig,
  input?: ModelInputSize,
): ImageGeometry {
  let resizeWidth: number;
  let resizeHeight: number;
  const size = config.resize.size;
  if (config.resize.mode === 'shorter') {
    const s = typeof size === 'number' ? size : Math.min(size[0], size[1]);
    [resizeWidth, resizeHeight] = shorterSideSize(width, height, s);
  } else if (config.crop === null && input !== undefined) {
    resizeWidth = input.inputWidth;
    resizeHeight = input.inputHeight;
  } else {
    [resizeWidth, resizeHeight] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  }
  const [inputWidth, inputHeight] = config.crop ?? [resizeWidth, resizeHeight];
  if (input !== undefined && (input.inputWidth !== inputWidth || input.inputHeight !== inputHeight)) {
    throw new UsageError(
      `preprocessing gives ${inputWidth}x${inputHeight} inputs but the model takes ` +
        `${input.inputWidth}x${input.inputHeight}`,
      { hint: 'set crop (or an exact resize) to the model input size' },
    );
  }
  return {
    originalWidth: width,
    originalHeight: height,
    resizeWidth,
    resizeHeight,
    cropX: config.crop === null ? 0 : centreCropOffset(resizeWidth, inputWidth),
    cropY: config.crop === null ? 0 : centreCropOffset(resizeHeight, inputHeight),
    inputWidth,
    inputHeight,
  };
}

/** Per tensor channel, the float32 value of each 8-bit pixel value. */
export function valueTables(config: PreprocessConfig): Float32Array[] {
  const inv = 1 / config.scale;
  const divisor = Math.abs(inv - Math.round(inv)) < 1e-9 * inv ? Math.round(inv) : undefined;
  const tables: Float32Array[] = [];
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(config.mean[c]!);
    const std = Math.fround(config.std[c]!);
    const t = new Float32Array(256);
    for (let p = 0; p < 256; p++) {
      // torch: ToTensor divides by 255, Normalize subtracts then divides, each in float32.
      const scaled = Math.fround(divisor !== undefined ? p / divisor : p * config.scale);
      t[p] = Math.fround(Math.fround(scaled - mean) / std);
    }
    tables.push(t);
  }
  return tables;
}

/**
 * Turns an image into one model input (CHW float32) and its geometry; into `out` when given.
 * `img` may be a decoder's RGBA (`loadPixels`): the WebAssembly resize reads it as it is.
 */
export function preprocess(
  img: RgbImage | RgbaPixels,
  config: PreprocessConfig,
  input?: ModelInputSize,
  out?: Float32Array,
): PreprocessResult {
  validatePreprocessConfig(config);
  const geometry = preprocessGeometry(img.width, img.height, config, input);
  const region = keptRegion(geometry);
  if (region === undefined) return { tensor: normalizeRegion(undefined, geometry, config, out), geometry };
  const { resizeWidth: rw, resizeHeight: rh } = geometry;
  if (config.interpolation === 'nearest') {
    const src = resizeRegion(rgbImageOf(img), rw, rh, region, config.interpolation, config.antialias).data;
    return { tensor: normalizeRegion(src, geometry, config, out), geometry };
  }
  // The hot path: the resize writes the tensor's values itself, in WebAssembly where it can
  // (resize-wasm.ts), else in JS (resize-to-tensor.ts); the same values either way.
  const tensor = tensorFor(geometry, out);
  const tables = cachedValueTables(config);
  fillPadding(tensor, geometry, region, tables);
  const target: TensorTarget = {
    tensor,
    width: geometry.inputWidth,
    plane: geometry.inputWidth * geometry.inputHeight,
    x: region.x - geometry.cropX,
    y: region.y - geometry.cropY,
    tables,
    order: config.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0],
  };
  const { interpolation, antialias } = config;
  if (!resizeRegionIntoTensorWasm(img, rw, rh, region, interpolation, antialias, target))
    resizeRegionIntoTensor(rgbImageOf(img), rw, rh, region, interpolation, antialias, target);
  return { tensor, geometry };
}

/**
 * The part of the resized image that the crop keeps (in resized pixels), or undefined when the
 * crop keeps none of it. Only that part needs computing; the rest of the crop is padding.
 */
export function keptRegion(geometry: ImageGeometry): Region | undefined {
  const { inputWidth: w, inputHeight: h, cropX, cropY, resizeWidth: rw, resizeHeight: rh } = geometry;
  const x0 = Math.max(0, cropX);
  const y0 = Math.max(0, cropY);
  const x1 = Math.min(rw, cropX + w);
  const y1 = Math.min(rh, cropY + h);
  return x1 <= x0 || y1 <= y0 ? undefined : { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The model input tensor from the kept region's RGB pixels (`src`, interleaved, as keptRegion
 * says): channel order, the per-channel value tables, and zero-pixel padding where the crop is
 * larger than the resized image.
 */
export function normalizeRegion(
  src: Uint8Array | undefined,
  geometry: ImageGeometry,
  config: PreprocessConfig,
  out?: Float32Array,
): Float32Array {
  const { inputWidth: w, inputHeight: h, cropX, cropY } = geometry;
  const plane = w * h;
  const tensor = tensorFor(geometry, out);
  const tables = cachedValueTables(config);
  const region = keptRegion(geometry);
  fillPadding(tensor, geometry, region, tables);
  if (region === undefined || src === undefined) return tensor;
  const [t0, t1, t2] = tables;
  // Tensor channel c reads pixel channel c (rgb) or 2 - c (bgr).
  const [s0, s1, s2] = config.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const p1 = plane;
  const p2 = 2 * plane;
  for (let r = 0; r < region.height; r++) {
    let p = r * region.width * 3;
    let o = (region.y - cropY + r) * w + (region.x - cropX);
    for (let i = 0; i < region.width; i++, p += 3, o++) {
      tensor[o] = t0[src[p + s0]!]!;
      tensor[p1 + o] = t1[src[p + s1]!]!;
      tensor[p2 + o] = t2[src[p + s2]!]!;
    }
  }
  return tensor;
}

/** `out` checked against the geometry's size, or a new tensor. */
function tensorFor(geometry: ImageGeometry, out: Float32Array | undefined): Float32Array {
  const size = 3 * geometry.inputWidth * geometry.inputHeight;
  if (out !== undefined && out.length !== size) {
    throw new RangeError(`the output holds ${out.length} values, the tensor needs ${size}`);
  }
  return out ?? new Float32Array(size);
}

/**
 * Fills the tensor with the zero pixel's values where the crop is larger than the resized image.
 * Every other value is written by the caller, so a reused tensor needs no clearing.
 */
function fillPadding(
  tensor: Float32Array,
  geometry: ImageGeometry,
  region: Region | undefined,
  tables: readonly Float32Array[],
): void {
  const { inputWidth: w, inputHeight: h, cropX, cropY } = geometry;
  const plane = w * h;
  const padded =
    region === undefined ||
    region.x - cropX > 0 ||
    region.y - cropY > 0 ||
    region.width < w ||
    region.height < h;
  if (padded) for (let c = 0; c < 3; c++) tensor.fill(tables[c]![0]!, c * plane, (c + 1) * plane);
}

/** The value tables of a config, made once per config object. */
const tableCache = new WeakMap<PreprocessConfig, [Float32Array, Float32Array, Float32Array]>();

function cachedValueTables(config: PreprocessConfig): [Float32Array, Float32Array, Float32Array] {
  let tables = tableCache.get(config);
  if (tables === undefined) {
    tables = valueTables(config) as [Float32Array, Float32Array, Float32Array];
    tableCache.set(config, tables);
  }
  return tables;
}
