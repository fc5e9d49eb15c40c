/**
 * The decoded image type every other module works on: 8-bit sRGB, three interleaved channels,
 * already turned upright (EXIF orientation applied), alpha flattened.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** R,G,B interleaved, row-major, `length === width * height * 3`. */
  readonly data: Uint8Array;
  /** Where it came from, for messages. */
  readonly file?: string;
}

/**
 * A decoded image still in the decoder's RGBA (the WebAssembly JPEG decoder's output, alpha
 * opaque and ignored): the preprocessing resize reads it as it is, without an RGB copy. Internal
 * to core: everything that keeps an image gets an {@link RgbImage}.
 */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  /** R,G,B,A interleaved, row-major, `length === width * height * 4`. */
  readonly rgba: Uint8Array;
  readonly file?: string;
}

/** An 8-bit single-channel image (a mask, a grey rendering of a score map). */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  /** One byte per pixel, row-major, `length === width * height`. */
  readonly data: Uint8Array;
}

/** An RgbImage of the given size, zero-filled unless `data` is given (checked for its length). */
export function rgbImage(width: number, height: number, data?: Uint8Array, file?: string): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const pixels = data ?? new Uint8Array(width * height * 3);
  if (pixels.length !== width * height * 3) {
    throw new RangeError(`image data has ${pixels.length} bytes, expected ${width}x${height}x3`);
  }
  return file === undefined ? { width, height, data: pixels } : { width, height, data: pixels, file };
}
