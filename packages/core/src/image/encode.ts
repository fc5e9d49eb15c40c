/**
 * Encoding images with sharp (loaded by sharp-codec.ts on first use): RGB images as PNG, JPEG or
 * WebP, single-channel images and score maps as grey PNGs.
 */
import { extname } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import type { ScoreMap } from '../scoremap.js';
import { getSharp } from './sharp-codec.js';
import type { GrayImage, RgbImage } from './types.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface EncodeOptions {
  /** JPEG / WebP quality 1..100 (default 90). Ignored for PNG. */
  quality?: number;
}

/** Encodes an RgbImage as PNG, JPEG or WebP. */
export async function encodeImage(
  img: RgbImage,
  format: ImageFormat,
  options: EncodeOptions = {},
): Promise<Buffer> {
  return encodeRaw(img.data, img.width, img.height, 3, format, options);
}

async function encodeRaw(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  format: ImageFormat,
  options: EncodeOptions,
): Promise<Buffer> {
  if (data.length !== width * height * channels) {
    throw new UsageError(`image data has ${data.length} bytes, expected ${width}x${height}x${channels}`);
  }
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new UsageError(`quality must be an integer 1..100, got ${quality}`);
  }
  const sharp = await getSharp();
  let pipeline = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels },
    limitInputPixels: false,
  });
  // Without this, libvips writes a one-band image as a three-channel sRGB file.
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  switch (format) {
    case 'png':
      return pipeline.png().toBuffer();
    case 'jpeg':
      return pipeline.jpeg({ quality }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality }).toBuffer();
    default:
      throw new UsageError(`unknown image format ${String(format)}: use png, jpeg or webp`);
  }
}

/** The output format for a file name: .png, .jpg/.jpeg, .webp. */
export function formatFromPath(path: string): ImageFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.webp') return 'webp';
  throw new UsageError(`cannot tell the image format from the extension '${ext}'`, {
    file: path,
    hint: 'use .png, .jpg, .jpeg or .webp',
  });
}

/**
 * Writes an image; the format follows the extension (.png, .jpg/.jpeg, .webp). Written whole
 * through a temporary file and a rename: a link where the file goes is replaced, not followed.
 */
export async function writeImage(path: string, img: RgbImage, options: EncodeOptions = {}): Promise<void> {
  const bytes = await encodeImage(img, formatFromPath(path), options);
  await writeFileAtomic(path, bytes);
}

export interface GrayPngOptions {
  /** Write every non-zero value as 255 (a binary mask). Default false. */
  binary?: boolean;
}

/**
 * A single-channel image as an 8-bit grey PNG. A GrayImage's bytes are written as they are; a
 * ScoreMap's values are clamped to [0, 1] and scaled to 0..255 (rounded). With `binary`, every
 * non-zero value becomes 255.
 */
export async function encodeGrayPng(
  img: GrayImage | ScoreMap,
  options: GrayPngOptions = {},
): Promise<Buffer> {
  const n = img.width * img.height;
  if (img.data.length !== n) {
    throw new UsageError(`mask data has ${img.data.length} values, expected ${img.width}x${img.height}`);
  }
  const bytes = new Uint8Array(n);
  const src = img.data;
  if (options.binary) {
    for (let i = 0; i < n; i++) bytes[i] = src[i]! !== 0 ? 255 : 0;
  } else if (src instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      bytes[i] = v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0;
    }
  } else {
    bytes.set(src);
  }
  return encodeRaw(bytes, img.width, img.height, 1, 'png', {});
}
