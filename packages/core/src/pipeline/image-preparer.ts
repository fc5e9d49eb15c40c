/**
 * Loads and preprocesses images for a model, on a pool of decode workers (`workers` >= 1) or on
 * the calling thread (`workers: 0`). Both give bit-identical tensors: the workers run the same
 * `loadImage` + `preprocess`. The pool is what keeps the main thread free on a fast device: decode
 * and resize cost a few milliseconds an image, and N workers do N images at a time. Every worker's
 * decode runs on libuv's one thread pool, 4 threads unless UV_THREADPOOL_SIZE is set before the
 * process first uses it: a program with more workers sets it (see pipeline/io-threads.ts).
 */
import type { ImageGeometry } from '../geometry.js';
import { preprocess } from '../image/preprocess.js';
import type { PreprocessConfig } from '../image/presets.js';
import { loadImage, loadPixels } from '../image/sharp-codec.js';
import type { RgbImage } from '../image/types.js';
import { preprocessWithVips, type ResizeEngine } from '../image/vips-preprocess.js';
import { decodeLimits, type PrepareInit, type PrepareRequest, type PrepareResponse } from './prepare-task.js';
import { TaskPool } from './task-pool.js';

/** An image loaded and preprocessed for the model. */
export interface PreparedImage {
  readonly file: string;
  /** The decoded, upright image (absent when the model was loaded with `keepImages: false`). */
  readonly image?: RgbImage;
  readonly tensor: Float32Array;
  readonly geometry: ImageGeometry;
}

export interface ImagePreparerOptions {
  readonly config: PreprocessConfig;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly maxPixels?: number;
  /** Read SVG images, rendered at the size the preprocessing needs. */
  readonly allowSvg?: boolean;
  /** Decode workers; 0 decodes on the calling thread. */
  readonly workers: number;
  readonly resizeEngine?: ResizeEngine;
}

export class ImagePreparer {
  private constructor(
    private readonly options: ImagePreparerOptions,
    private readonly pool: TaskPool<PrepareRequest, PrepareResponse> | undefined,
  ) {}

  static async create(options: ImagePreparerOptions): Promise<ImagePreparer> {
    if (options.workers === 0) return new ImagePreparer(options, undefined);
    const init: PrepareInit = {
      config: options.config,
      inputWidth: options.inputWidth,
      inputHeight: options.inputHeight,
      ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
      ...(options.allowSvg === undefined ? {} : { allowSvg: options.allowSvg }),
      ...(options.resizeEngine === undefined ? {} : { resizeEngine: options.resizeEngine }),
    };
    const pool = await TaskPool.start<PrepareRequest, PrepareResponse>({
      callerUrl: import.meta.url,
      module: 'prepare-worker',
      size: options.workers,
      workerData: init,
      label: 'the decode workers',
    });
    return new ImagePreparer(options, pool);
  }

  /** Decode workers running (0 when decoding on the calling thread). */
  get workers(): number {
    return this.pool?.size ?? 0;
  }

  async prepare(source: string | Uint8Array, file: string, keepImage: boolean): Promise<PreparedImage> {
    if (this.pool === undefined) {
      const limits = decodeLimits(this.options, file);
      if (this.options.resizeEngine === 'vips') {
        const { tensor, geometry } = await preprocessWithVips(
          source,
          this.options.config,
          this.options,
          limits,
        );
        const image = keepImage ? await loadImage(source, limits) : undefined;
        return { file, tensor, geometry, ...(image === undefined ? {} : { image }) };
      }
      if (keepImage) {
        const image = await loadImage(source, limits);
        const { tensor, geometry } = preprocess(image, this.options.config, this.options);
        return { file, tensor, geometry, image };
      }
      const { tensor, geometry } = preprocess(
        await loadPixels(source, limits),
        this.options.config,
        this.options,
      );
      return { file, tensor, geometry };
    }
    // Bytes given by the caller are copied once: transferring them would detach the caller's buffer.
    const bytes = typeof source === 'string' ? source : source.slice();
    const r = await this.pool.run(
      { source: bytes, file, keepImage },
      typeof bytes === 'string' ? [] : [bytes.buffer as ArrayBuffer],
    );
    return {
      file,
      tensor: r.tensor!, // sent back: no `into` was given
      geometry: r.geometry,
      ...(r.image === undefined ? {} : { image: r.image }),
    };
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
