/**
 * The decode task of a worker thread: load an image file with sharp, orient it and preprocess it
 * into the model's input tensor, off the main thread. The tensor (and the decoded image, when the
 * caller keeps it for overlays) go back transferred, not copied. sharp's own thread pool is cut
 * to one thread: the pool of workers is the parallelism. Served by prepare-worker.ts, and by any
 * worker that does other tasks too (the CLI's pipeline worker).
 */
import type { ImageGeometry } from '../geometry.js';
import { preprocess, preprocessGeometry } from '../image/preprocess.js';
import type { PreprocessConfig } from '../image/presets.js';
import {
  type LoadImageOptions,
  loadImage,
  loadPixels,
  readImageBytesSync,
  setUpDecoderForPool,
} from '../image/sharp-codec.js';
import type { RgbImage } from '../image/types.js';
import { preprocessWithVips, type ResizeEngine } from '../image/vips-preprocess.js';
import type { TaskResult } from './task-worker.js';

export interface PrepareInit {
  readonly config: PreprocessConfig;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly maxPixels?: number;
  /** Read SVG images, rendered at the size the preprocessing needs (see LoadImageOptions). */
  readonly allowSvg?: boolean;
  /** Who resizes: Pillow-exact in JS (default) or libvips while decoding. */
  readonly resizeEngine?: ResizeEngine;
}

export interface PrepareRequest {
  /** A file path, or encoded bytes (transferred). */
  readonly source: string | Uint8Array;
  /** The name used in messages. */
  readonly file: string;
  /** Send the decoded image back too (for overlays). */
  readonly keepImage: boolean;
  /**
   * Write the tensor here (a batch slot in shared memory, `offset` in floats) instead of sending
   * it back: the batch is then assembled without a copy on any thread.
   */
  readonly into?: { readonly buffer: SharedArrayBuffer; readonly offset: number };
}

export interface PrepareResponse {
  /** The tensor (absent when it was written `into` shared memory). */
  readonly tensor?: Float32Array;
  readonly geometry: ImageGeometry;
  readonly image?: RgbImage;
  /** Milliseconds this worker spent on the image (decode + preprocess). */
  readonly ms: number;
}

/**
 * What the decoder is told of one image: its name, the pixel limit and, where SVG is allowed, the
 * size the preprocessing resizes to (an SVG is rendered at that, not at its declared size).
 */
export function decodeLimits(
  init: Pick<PrepareInit, 'config' | 'inputWidth' | 'inputHeight' | 'maxPixels' | 'allowSvg'>,
  file: string,
): LoadImageOptions & { file: string } {
  const neededSize = (width: number, height: number) => {
    const g = preprocessGeometry(width, height, init.config, init);
    return { width: g.resizeWidth, height: g.resizeHeight };
  };
  return {
    file,
    ...(init.maxPixels === undefined ? {} : { maxPixels: init.maxPixels }),
    ...(init.allowSvg === true ? { allowSvg: true, neededSize } : {}),
  };
}

/** Sets up a worker for decode tasks and returns the handler of one task. */
export async function createPrepareTask(
  init: PrepareInit,
): Promise<(request: PrepareRequest) => Promise<TaskResult<PrepareResponse>>> {
  await setUpDecoderForPool();
  const input = { inputWidth: init.inputWidth, inputHeight: init.inputHeight };
  return async (request): Promise<TaskResult<PrepareResponse>> => {
    const started = performance.now();
    const limits = decodeLimits(init, request.file);
    const plane = 3 * init.inputWidth * init.inputHeight;
    const out =
      request.into === undefined
        ? undefined
        : new Float32Array(request.into.buffer, request.into.offset * 4, plane);
    let prepared: { tensor: Float32Array; geometry: ImageGeometry };
    let image: RgbImage | undefined;
    if (init.resizeEngine === 'vips') {
      prepared = await preprocessWithVips(request.source, init.config, input, limits, out);
      // Overlays need the whole picture: decoded a second time, the tensor stays libvips'.
      if (request.keepImage) image = await loadImage(request.source, limits);
    } else {
      // A worker reads the file synchronously: one blocking read instead of four pool trips.
      const source =
        typeof request.source === 'string'
          ? readImageBytesSync(request.source, request.file)
          : request.source;
      // Only overlays need the RGB image; the tensor alone takes a plain JPEG as decoded (RGBA).
      const pixels = request.keepImage ? await loadImage(source, limits) : await loadPixels(source, limits);
      if (request.keepImage) image = pixels as RgbImage;
      prepared = preprocess(pixels, init.config, input, out);
    }
    const { geometry } = prepared;
    const tensor = out === undefined ? prepared.tensor : undefined;
    const transfer: ArrayBuffer[] = tensor === undefined ? [] : [tensor.buffer as ArrayBuffer];
    if (request.keepImage && image !== undefined) transfer.push(image.data.buffer as ArrayBuffer);
    const ms = performance.now() - started;
    return {
      result: {
        geometry,
        ms,
        ...(tensor === undefined ? {} : { tensor }),
        ...(request.keepImage && image ? { image } : {}),
      },
      transfer,
    };
  };
}
