/**
 * RGBA to RGB: the WebAssembly JPEG decoder gives RGBA (alpha 255), and what keeps an image keeps
 * an {@link RgbImage}. (The preprocessing resize reads the RGBA as it is: resize-wasm.ts.)
 */
import type { RgbaPixels, RgbImage } from './types.js';

/** The image as RGB: an RgbImage as it is, RGBA pixels copied without their alpha. */
export function rgbImageOf(img: RgbImage | RgbaPixels): RgbImage {
  if (!('rgba' in img)) return img;
  const data = rgbFromRgba(img.rgba, img.width * img.height);
  return img.file === undefined
    ? { width: img.width, height: img.height, data }
    : { width: img.width, height: img.height, data, file: img.file };
}

/** Little-endian platforms (all Node.js targets in practice) take the word-at-a-time path. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Drops the alpha byte: four RGBA pixels (four 32-bit words) become three words of RGB, so the
 * loop reads and writes whole words rather than bytes (bench/MEASUREMENTS.md). The result may
 * sit on a buffer up to 3 bytes longer than it.
 */
export function rgbFromRgba(rgba: Uint8Array, pixels: number): Uint8Array {
  if (!LITTLE_ENDIAN || rgba.byteOffset % 4 !== 0) return rgbFromRgbaBytes(rgba, pixels);
  const words = new Uint32Array(rgba.buffer, rgba.byteOffset, pixels);
  const out = new Uint32Array(Math.ceil((pixels * 3) / 4));
  const quads = pixels >> 2;
  for (let q = 0, i = 0, o = 0; q < quads; q++, i += 4, o += 3) {
    const p0 = words[i]! & 0xffffff;
    const p1 = words[i + 1]! & 0xffffff;
    const p2 = words[i + 2]! & 0xffffff;
    const p3 = words[i + 3]! & 0xffffff;
    out[o] = p0 | (p1 << 24);
    out[o + 1] = (p1 >>> 8) | (p2 << 16);
    out[o + 2] = (p2 >>> 16) | (p3 << 8);
  }
  const rgb = new Uint8Array(out.buffer, 0, pixels * 3);
  for (let i = quads * 4; i < pixels; i++) {
    rgb[3 * i] = rgba[4 * i]!;
    rgb[3 * i + 1] = rgba[4 * i + 1]!;
    rgb[3 * i + 2] = rgba[4 * i + 2]!;
  }
  return rgb;
}

function rgbFromRgbaBytes(rgba: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0, j = 0; i < pixels; i++, j += 4) {
    rgb[3 * i] = rgba[j]!;
    rgb[3 * i + 1] = rgba[j + 1]!;
    rgb[3 * i + 2] = rgba[j + 2]!;
  }
  return rgb;
}
