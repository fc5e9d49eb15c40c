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
import { resizeRgb } from './resize.js';
import type { RgbImage } from './types.js';

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
      'E_PREPROCESS',
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
function valueTables(config: PreprocessConfig): Float32Array[] {
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

/** Turns an image into one model input (CHW float32) and its geometry. */
export function preprocess(
  img: RgbImage,
  config: PreprocessConfig,
  input?: ModelInputSize,
): PreprocessResult {
  validatePreprocessConfig(config);
  const geometry = preprocessGeometry(img.width, img.height, config, input);
  const resized = resizeRgb(
    img,
    geometry.resizeWidth,
    geometry.resizeHeight,
    config.interpolation,
    config.antialias,
  );
  const { inputWidth: w, inputHeight: h, cropX, cropY, resizeWidth: rw, resizeHeight: rh } = geometry;
  const plane = w * h;
  const tensor = new Float32Array(3 * plane);
  const tables = valueTables(config);
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
  return { tensor, geometry };
}
