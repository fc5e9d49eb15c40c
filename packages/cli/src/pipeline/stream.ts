/**
 * The streaming pipeline of `run` and `predict`, in stages that overlap:
 *
 *   files --(pool: decode + preprocess)--> batches --(session worker: forward)--> outputs
 *   outputs --(pool: CAMs, boxes, evaluation, .npy, overlays)--> records --(this thread: in order)--> onRecord
 *
 * The main thread only orchestrates: it keeps a bounded window of images being prepared, assembles
 * batches, keeps up to two forward passes queued on the session, hands each batch's outputs to a
 * worker in one transfer, and delivers records in the input order. Every queue is bounded, so
 * memory stays flat in the number of images. A failing image becomes an error record and the
 * stream goes on; a failing batch is retried image by image so one bad input cannot take others
 * down with it. With `workers: 0`, or a CAM method that needs the session (Score-CAM), the
 * post-processing runs here, on the main thread, with the same code.
 */
import {
  type CamMethodName,
  type CamModel,
  type Inference,
  needsForwardPasses,
  type PreparedImage,
  type PrepareResponse,
  type ResizeEngine,
  TaskPool,
} from '@cam-localize/core';
import {
  deviceTargets,
  errorRecord,
  type ImageRecord,
  type ImageWork,
  ImageWorker,
  type WorkItem,
} from './image-work.js';
import type { PipelineInit, PipelineRequest } from './pipeline-worker.js';
import type { PostBatch } from './post-batch.js';

export interface PipelineOptions {
  /** Worker threads for decoding and post-processing; 0 does everything on this thread. */
  readonly workers: number;
  readonly batchSize: number;
  /** Keep decoded images for overlays. */
  readonly keepImages: boolean;
  readonly maxPixels?: number;
  readonly resizeEngine?: ResizeEngine;
}

interface Prepared<T> {
  readonly item: T;
  readonly prepared?: PreparedImage;
  readonly error?: unknown;
  readonly ms: number;
}

interface Group<T> {
  /** Records of images that failed before the forward pass (in input order among the others). */
  readonly slots: ({ kind: 'failed'; record: ImageRecord; item: T } | { kind: 'ok'; index: number })[];
  readonly ready: Prepared<T>[];
}

/** What a pipeline run cost: wall time, and CPU time of the whole process (every thread). */
export interface PipelineStats {
  readonly images: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

export class ImagePipeline {
  /** The cost of the last `run`. */
  stats: PipelineStats = { images: 0, seconds: 0, cpuSeconds: 0 };

  private constructor(
    private readonly model: CamModel,
    private readonly options: PipelineOptions,
    private readonly pool: TaskPool<PipelineRequest, unknown> | undefined,
    private readonly local: ImageWorker | undefined,
    private readonly work: ImageWork,
  ) {}

  /** Starts the worker threads (when `workers` > 0) for a model and a command's per-image work. */
  static async start(model: CamModel, work: ImageWork, options: PipelineOptions): Promise<ImagePipeline> {
    const postHere = options.workers === 0 || needsForwardPasses(work.method as CamMethodName);
    const local = postHere ? new ImageWorker(work, model) : undefined;
    if (options.workers === 0) return new ImagePipeline(model, options, undefined, local, work);
    const init: PipelineInit = {
      prepare: {
        config: model.preprocessConfig,
        inputWidth: model.inputWidth,
        inputHeight: model.inputHeight,
        ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
        ...(options.resizeEngine === undefined ? {} : { resizeEngine: options.resizeEngine }),
      },
      ...(postHere
        ? {}
        : { post: { work, head: model.head, inputWidth: model.inputWidth, inputHeight: model.inputHeight } }),
    };
    const pool = await TaskPool.start<PipelineRequest, unknown>({
      callerUrl: import.meta.url,
      module: 'pipeline-worker',
      size: options.workers,
      workerData: init,
      label: 'the pipeline workers',
    });
    return new ImagePipeline(model, options, pool, local, work);
  }

  get workers(): number {
    return this.pool?.size ?? 0;
  }

  /** Runs every item through the stages; `onRecord` sees one record per item, in input order. */
  async run<T extends WorkItem>(
    items: Iterable<T>,
    onRecord: (record: ImageRecord, item: T) => void,
  ): Promise<void> {
    const started = performance.now();
    const cpu = process.cpuUsage();
    let images = 0;
    try {
      await this.stream(items, (record, item) => {
        images++;
        onRecord(record, item);
      });
    } finally {
      const used = process.cpuUsage(cpu);
      this.stats = {
        images,
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: (used.user + used.system) / 1e6,
      };
    }
  }

  /** The last run's throughput, for a summary line. */
  describeStats(): string {
    const { images, seconds, cpuSeconds } = this.stats;
    const rate = images / Math.max(seconds, 1e-9);
    const coreMs = images === 0 ? 0 : (cpuSeconds * 1000) / images;
    return (
      `${rate.toFixed(1)} img/s, ${this.model.provider}, batch ${this.options.batchSize}, ` +
      `${this.options.workers} workers, ${coreMs.toFixed(1)} CPU core-ms/img` +
      (this.model.deviceCamRequest === undefined ? '' : ', CAM in the graph')
    );
  }

  private async stream<T extends WorkItem>(
    items: Iterable<T>,
    onRecord: (record: ImageRecord, item: T) => void,
  ): Promise<void> {
    const batchSize = Math.max(1, this.options.batchSize);
    const threads = Math.max(1, this.workers);
    // Enough images in preparation to keep every worker busy while two batches are in the model.
    const prefetch = Math.max(2 * batchSize + 2, batchSize + 4 * threads);
    const iterator = items[Symbol.iterator]();
    const window: Promise<Prepared<T>>[] = [];
    let exhausted = false;
    const fill = () => {
      while (!exhausted && window.length < prefetch) {
        const next = iterator.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        window.push(this.prepare(next.value));
      }
    };
    const nextGroup = async (): Promise<Group<T> | undefined> => {
      fill();
      if (window.length === 0) return undefined;
      const group: Group<T> = { slots: [], ready: [] };
      while (group.ready.length < batchSize && window.length > 0) {
        const p = await window.shift()!;
        fill();
        if (p.prepared === undefined)
          group.slots.push({ kind: 'failed', record: errorRecord(p.item, p.error), item: p.item });
        else group.slots.push({ kind: 'ok', index: group.ready.push(p) - 1 });
      }
      return group;
    };

    const inferring: Promise<{ group: Group<T>; outputs: Outputs<T> }>[] = [];
    const posting: { group: Group<T>; records: Promise<ImageRecord[]> }[] = [];
    const deliver = async () => {
      const head = posting.shift()!;
      const records = await head.records;
      for (const slot of head.group.slots) {
        if (slot.kind === 'failed') onRecord(slot.record, slot.item);
        else onRecord(records[slot.index]!, head.group.ready[slot.index]!.item);
      }
    };
    const maxPosting = 2 * threads;
    for (;;) {
      const group = await nextGroup();
      if (group !== undefined) inferring.push(this.infer(group).then((outputs) => ({ group, outputs })));
      // Two forward passes queued on the session, so it never waits for this thread.
      if (inferring.length >= 2 || (group === undefined && inferring.length > 0)) {
        const done = await inferring.shift()!;
        posting.push({ group: done.group, records: this.post(done.group, done.outputs) });
      }
      while (
        posting.length > maxPosting ||
        (group === undefined && inferring.length === 0 && posting.length > 0)
      ) {
        await deliver();
      }
      if (group === undefined && inferring.length === 0 && posting.length === 0) break;
    }
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  private async prepare<T extends WorkItem>(item: T): Promise<Prepared<T>> {
    const started = performance.now();
    try {
      if (this.pool === undefined) {
        const prepared = await this.model.prepare(item.file, item.id, this.options.keepImages);
        return { item, prepared, ms: performance.now() - started };
      }
      const r = (await this.pool.run({
        kind: 'prepare',
        source: item.file,
        file: item.id,
        keepImage: this.options.keepImages,
      })) as PrepareResponse;
      const prepared: PreparedImage = {
        file: item.id,
        tensor: r.tensor,
        geometry: r.geometry,
        ...(r.image === undefined ? {} : { image: r.image }),
      };
      return { item, prepared, ms: r.ms };
    } catch (error) {
      return { item, error, ms: performance.now() - started };
    }
  }

  /** The forward pass of a group; a failing batch is retried image by image. */
  private async infer<T>(group: Group<T>): Promise<Outputs<T>> {
    const batch = group.ready;
    if (batch.length === 0) return [];
    return this.inferSome(batch);
  }

  private async inferSome<T>(batch: Prepared<T>[]): Promise<Outputs<T>> {
    const started = performance.now();
    try {
      const targets =
        this.model.deviceCamRequest === undefined
          ? undefined
          : batch.map((b) => deviceTargets(this.work, b.item as WorkItem));
      const inferences = await this.model.infer(
        batch.map((b) => b.prepared!),
        5,
        targets,
      );
      const share = (performance.now() - started) / batch.length;
      return inferences.map((inference, i) => ({
        ok: true as const,
        inference,
        prepareMs: batch[i]!.ms,
        inferMs: share,
      }));
    } catch (error) {
      if (batch.length === 1) return [{ ok: false as const, error }];
      const out: Outputs<T> = [];
      for (const one of batch) out.push(...(await this.inferSome([one])));
      return out;
    }
  }

  /** Post-processing of a group: on a worker (one transfer for the batch) or here. */
  private async post<T extends WorkItem>(group: Group<T>, outputs: Outputs<T>): Promise<ImageRecord[]> {
    const records: (ImageRecord | undefined)[] = outputs.map((o, i) =>
      o.ok ? undefined : errorRecord(group.ready[i]!.item, o.error),
    );
    const okIndex = outputs.flatMap((o, i) => (o.ok ? [i] : []));
    if (okIndex.length === 0) return records as ImageRecord[];
    const ok = okIndex.map((i) => outputs[i] as Extract<Outputs<T>[number], { ok: true }>);
    const items = okIndex.map((i) => group.ready[i]!.item);
    let done: ImageRecord[];
    try {
      if (this.local !== undefined) {
        // Here, with the model's own inferences (input tensors included, for Score-CAM).
        done = [];
        for (const [j, o] of ok.entries()) {
          done.push(
            await this.local.process(o.inference, items[j]!, { prepareMs: o.prepareMs, inferMs: o.inferMs }),
          );
        }
      } else {
        const { batch, transfer } = toPostBatch(items, ok);
        done = (await this.pool!.run({ kind: 'post', batch }, transfer)) as ImageRecord[];
      }
    } catch (error) {
      done = okIndex.map((i) => errorRecord(group.ready[i]!.item, error));
    }
    for (const [j, i] of okIndex.entries()) records[i] = done[j];
    return records as ImageRecord[];
  }
}

type Outputs<T> = (
  | { ok: true; inference: Inference; prepareMs: number; inferMs: number }
  | { ok: false; error: unknown; _?: T }
)[];

/** The batch's outputs in one pair of buffers (the session's own when they are exclusive: no copy). */
function toPostBatch(
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
