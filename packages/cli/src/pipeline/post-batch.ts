/**
 * One batch's model outputs as they travel to a post-processing worker, and the work done on them
 * there: the whole batch's score and feature buffers move in one transfer (no per-image copies),
 * and each image's views are cut again on the other side.
 */
import {
  type CamHead,
  type ImageGeometry,
  type Inference,
  type RgbImage,
  rankClasses,
} from '@cam-localize/core';
import { type DeviceMaps, deviceMapOf, HeadCam, splitDeviceMaps } from '@cam-localize/core/workers';
import type { CamSource } from './image-evaluator.js';
import {
  errorRecord,
  type ImageRecord,
  type ImageWork,
  type ImageWorker,
  type WorkItem,
  type WorkTiming,
} from './image-work.js';
import { postChunkSize } from './schedule-plan.js';

export interface PostBatch {
  readonly items: readonly WorkItem[];
  readonly files: readonly string[];
  readonly geometries: readonly ImageGeometry[];
  /** Decoded images, for overlays (absent otherwise). */
  readonly images: readonly (RgbImage | undefined)[];
  readonly timings: readonly WorkTiming[];
  /** [n*C] class scores of the batch. */
  readonly scores: Float32Array;
  /** [n*K*h*w] feature maps of the batch (empty when the maps come from the graph). */
  readonly features: Float32Array;
  /** The CAMs the graph computed (--cam-on-device), over the whole batch: T maps per image. */
  readonly maps?: DeviceMaps;
}

/** The set-up a post-processing worker gets once. */
export interface PostInit {
  readonly work: ImageWork;
  readonly head: CamHead;
  readonly inputWidth: number;
  readonly inputHeight: number;
}

const EMPTY = new Float32Array(0);

/** The batch's inferences as views into its buffers. */
export function inferencesOf(batch: PostBatch, rankedCount = 5): Inference[] {
  const n = batch.items.length;
  const classes = batch.scores.length / n;
  const perImage = batch.features.length / n;
  const maps = batch.maps === undefined ? undefined : splitDeviceMaps(batch.maps, n);
  return batch.items.map((_, i) => {
    const scores = batch.scores.subarray(i * classes, (i + 1) * classes);
    const image = batch.images[i];
    return {
      // The input tensor stays behind: only methods with forward passes read it, and those run
      // on the main thread beside the session.
      prepared: {
        file: batch.files[i]!,
        tensor: EMPTY,
        geometry: batch.geometries[i]!,
        ...(image ? { image } : {}),
      },
      scores,
      features: batch.features.subarray(i * perImage, (i + 1) * perImage),
      ranked: rankClasses(scores, rankedCount),
      ...(maps === undefined ? {} : { maps: maps[i]! }),
    };
  });
}

/** Runs the per-image work over a batch, in order. */
export async function processBatch(worker: ImageWorker, batch: PostBatch): Promise<ImageRecord[]> {
  const inferences = inferencesOf(batch);
  const records: ImageRecord[] = [];
  for (const [i, inference] of inferences.entries()) {
    records.push(await worker.process(inference, batch.items[i]!, batch.timings[i]!));
  }
  return records;
}

/** A CAM source over the head's weights alone (no session): what the workers use. */
export function headCamSource(init: PostInit): CamSource {
  const headCam = new HeadCam(init.head, init.inputWidth, init.inputHeight);
  return {
    cam: async (inference, classIndex, request) =>
      (inference.maps === undefined ? undefined : deviceMapOf(inference.maps, classIndex, request)) ??
      headCam.cam({ features: inference.features, scores: inference.scores }, classIndex, request),
  };
}

/**
 * A batch's post-processing in chunks of {@link postChunkSize}, each packed and handed to `run`
 * (a worker task); records come back in order, and a chunk that fails gives error records.
 */
export async function postInChunks(
  items: WorkItem[],
  ok: { inference: Inference; prepareMs: number; inferMs: number }[],
  workers: number,
  run: (batch: PostBatch, transfer: ArrayBuffer[]) => Promise<unknown>,
): Promise<ImageRecord[]> {
  const size = postChunkSize(ok.length, workers);
  const chunks: Promise<ImageRecord[]>[] = [];
  for (let at = 0; at < ok.length; at += size) {
    const part = items.slice(at, at + size);
    const { batch, transfer } = packPostBatch(part, ok.slice(at, at + size));
    chunks.push(
      (run(batch, transfer) as Promise<ImageRecord[]>).catch((error: unknown) =>
        part.map((item) => errorRecord(item, error)),
      ),
    );
  }
  return (await Promise.all(chunks)).flat();
}

/** The batch's outputs in one pair of buffers (the session's own when they are exclusive: no copy). */
export function packPostBatch(
  items: WorkItem[],
  ok: { inference: Inference; prepareMs: number; inferMs: number }[],
): { batch: PostBatch; transfer: ArrayBuffer[] } {
  const scores = joined(ok.map((o) => o.inference.scores));
  const features = joined(ok.map((o) => o.inference.features));
  const first = ok[0]!.inference.maps;
  const maps =
    first === undefined
      ? undefined
      : {
          method: first.method,
          normalization: first.normalization,
          width: first.width,
          height: first.height,
          classes: joined(ok.map((o) => o.inference.maps!.classes)),
          data: joined(ok.map((o) => o.inference.maps!.data)),
        };
  const images = ok.map((o) => o.inference.prepared.image);
  const transfer = [scores.buffer as ArrayBuffer];
  if (features.length > 0) transfer.push(features.buffer as ArrayBuffer);
  if (maps !== undefined) transfer.push(maps.classes.buffer as ArrayBuffer, maps.data.buffer as ArrayBuffer);
  for (const image of images) if (image !== undefined) transfer.push(image.data.buffer as ArrayBuffer);
  return {
    batch: {
      items,
      files: ok.map((o) => o.inference.prepared.file),
      geometries: ok.map((o) => o.inference.prepared.geometry),
      images,
      timings: ok.map((o) => ({ prepareMs: o.prepareMs, inferMs: o.inferMs })),
      scores,
      features,
      ...(maps === undefined ? {} : { maps }),
    },
    transfer,
  };
}

/** Consecutive views of one buffer are that buffer's exact span; anything else is copied once. */
function joined(parts: Float32Array[]): Float32Array {
  const first = parts[0]!;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const contiguous = parts.every(
    (p, i) => p.buffer === first.buffer && p.byteOffset === first.byteOffset + i * first.byteLength,
  );
  if (contiguous && first.byteOffset === 0 && total * 4 === first.buffer.byteLength) {
    return new Float32Array(first.buffer, 0, total);
  }
  const out = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
