/**
 * The streaming pipeline of `run` and `predict`, in stages that overlap:
 *
 *   files --(pool: decode + preprocess)--> batches --(session worker: forward)--> outputs
 *   outputs --(pool: CAMs, boxes, evaluation, .npy, overlays)--> records --(this thread: in order)--> onRecord
 *
 * The main thread only orchestrates: it keeps a bounded window of images being prepared
 * (prepare-window.ts), assembles batches, keeps forward passes queued on the session, hands each
 * batch's outputs to the workers in chunks, and delivers records in the input order. How far each
 * window reaches is the schedule plan's (schedule-plan.ts). Every queue is bounded, so
 * memory stays flat in the number of images. A failing image becomes an error record and the
 * stream goes on; a failing batch is retried image by image so one bad input cannot take others
 * down with it. With `workers: 0`, a CAM method that needs the session (Score-CAM) or
 * `run --faithfulness` (perturbed inputs through the session), the post-processing runs here, on
 * the main thread, with the same code.
 */
import type { CamModel, Inference, PreparedImage, ResizeEngine } from '@cam-localize/core';
import { checkBatchPixels, type PrepareResponse, TaskPool } from '@cam-localize/core/workers';
import type { EarlyWorkers } from './early-workers.js';
import {
  deviceTargets,
  errorRecord,
  type ImageRecord,
  type ImageWork,
  ImageWorker,
  type WorkItem,
} from './image-work.js';
import type { PipelineInit, PipelineRequest } from './pipeline-worker.js';
import { postInChunks } from './post-batch.js';
import { BatchMemory, type Group, PreparationWindow, type Prepared } from './prepare-window.js';
import { schedulePlan } from './schedule-plan.js';

export interface PipelineOptions {
  /** Worker threads for decoding and post-processing; 0 does everything on this thread. */
  readonly workers: number;
  readonly batchSize: number;
  /** Keep decoded images for overlays. */
  readonly keepImages: boolean;
  readonly maxPixels?: number;
  /** The rule batch x input pixels <= this (core's DEFAULT_MAX_BATCH_PIXELS when unset). */
  readonly maxBatchPixels?: number;
  readonly allowSvg?: boolean;
  readonly resizeEngine?: ResizeEngine;
}

/** Post-processing under way, oldest first: records are delivered in input order. */
class RecordDelivery<T extends WorkItem> {
  private readonly posting: { group: Group<T>; records: Promise<ImageRecord[]> }[] = [];
  constructor(private readonly onRecord: (record: ImageRecord, item: T) => void) {}

  get size(): number {
    return this.posting.length;
  }

  add(group: Group<T>, records: Promise<ImageRecord[]>): void {
    this.posting.push({ group, records });
  }

  /** Waits for the oldest group's records and hands them on, failed images in their places. */
  async deliverOldest(): Promise<void> {
    const head = this.posting.shift()!;
    const records = await head.records;
    for (const slot of head.group.slots) {
      if (slot.kind === 'failed') this.onRecord(slot.record, slot.item);
      else this.onRecord(records[slot.index]!, head.group.ready[slot.index]!.item);
    }
  }
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
  private readonly memory: BatchMemory;

  private constructor(
    private readonly model: CamModel,
    private readonly options: PipelineOptions,
    private readonly pool: TaskPool<PipelineRequest, unknown> | undefined,
    private readonly local: ImageWorker | undefined,
    private readonly work: ImageWork,
  ) {
    this.memory = new BatchMemory(
      Math.max(1, options.batchSize) * 3 * model.inputWidth * model.inputHeight * 4,
    );
  }

  /**
   * Starts the worker threads (when `workers` > 0) for a model and a command's per-image work;
   * `spawned` (early-workers.ts) are used when they are as many, and closed otherwise.
   */
  static async start(
    model: CamModel,
    work: ImageWork,
    options: PipelineOptions,
    spawned?: EarlyWorkers,
  ): Promise<ImagePipeline> {
    // Refused before the batch memory is taken or a worker starts.
    checkBatchPixels(
      model.onnx.path,
      model.inputWidth,
      model.inputHeight,
      Math.max(1, options.batchSize),
      options.maxBatchPixels,
    );
    const early = spawned?.size === options.workers ? spawned : undefined;
    if (spawned !== undefined && early === undefined) await spawned.close();
    // Score-CAM and the faithfulness metrics need the session: their post-processing stays here.
    const faithfulness = work.command === 'run' && work.faithfulness !== undefined;
    const postHere =
      options.workers === 0 || model.needsForwardPasses(work.method, work.camOptions.compat) || faithfulness;
    const session = {
      forward: model.forwardScores,
      probabilities: model.head.softmax,
      batchSize: Math.max(1, options.batchSize),
    };
    const local = postHere ? new ImageWorker(work, model, session) : undefined;
    if (options.workers === 0) return new ImagePipeline(model, options, undefined, local, work);
    const init: PipelineInit = {
      prepare: {
        config: model.preprocessConfig,
        inputWidth: model.inputWidth,
        inputHeight: model.inputHeight,
        ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
        ...(options.allowSvg === true ? { allowSvg: true } : {}),
        ...(options.resizeEngine === undefined ? {} : { resizeEngine: options.resizeEngine }),
      },
      ...(postHere
        ? {}
        : { post: { work, head: model.head, inputWidth: model.inputWidth, inputHeight: model.inputHeight } }),
    };
    // The session's first-run cost (a GPU's kernel search) is paid while the workers start.
    const inFlight = schedulePlan(options).tasksPerWorker;
    const [pool] = await Promise.all([
      early !== undefined
        ? early.start(init, inFlight)
        : TaskPool.start<PipelineRequest, unknown>({
            callerUrl: import.meta.url,
            module: 'pipeline-worker',
            size: options.workers,
            workerData: init,
            inFlight,
            label: 'the pipeline workers',
          }),
      model.warmUp(session.batchSize),
    ]);
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
      `${rate.toFixed(1)} img/s, ${this.model.provider}, ${describeBatch(this.options.batchSize, this.model.fixedBatch)}, ` +
      `${this.options.workers} workers, ${coreMs.toFixed(1)} CPU core-ms/img` +
      (this.model.deviceCamRequest === undefined ? '' : ', CAM in the graph') +
      describeArtifactFolders(this.work)
    );
  }

  private async stream<T extends WorkItem>(
    items: Iterable<T>,
    onRecord: (record: ImageRecord, item: T) => void,
  ): Promise<void> {
    const batchSize = Math.max(1, this.options.batchSize);
    const plan = schedulePlan({ batchSize, workers: this.workers });
    const preparing = new PreparationWindow<T>(
      items[Symbol.iterator](),
      batchSize,
      plan.prefetch,
      (item, memory, position) => this.prepare(item, memory, position),
      this.pool === undefined ? undefined : this.memory,
    );
    const forwarding: Promise<{ group: Group<T>; outputs: Outputs<T> }>[] = [];
    const delivery = new RecordDelivery<T>(onRecord);
    for (;;) {
      const group = await preparing.next();
      if (group !== undefined) forwarding.push(this.infer(group).then((outputs) => ({ group, outputs })));
      const prepared = group === undefined; // every item has been through preparation
      if (forwarding.length >= plan.queuedForwardPasses || (prepared && forwarding.length > 0)) {
        const done = await forwarding.shift()!;
        delivery.add(done.group, this.post(done.group, done.outputs));
      }
      const forwarded = prepared && forwarding.length === 0;
      while (delivery.size > plan.postWindow || (forwarded && delivery.size > 0)) {
        await delivery.deliverOldest();
      }
      if (forwarded && delivery.size === 0) break;
    }
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  private async prepare<T extends WorkItem>(
    item: T,
    memory: SharedArrayBuffer | undefined,
    position: number,
  ): Promise<Prepared<T>> {
    const started = performance.now();
    try {
      if (this.pool === undefined || memory === undefined) {
        const prepared = await this.model.prepare(item.file, item.id, this.options.keepImages);
        return { item, prepared, ms: performance.now() - started, position };
      }
      const plane = this.plane;
      const r = (await this.pool.run({
        kind: 'prepare',
        source: item.file,
        file: item.id,
        keepImage: this.options.keepImages,
        into: { buffer: memory, offset: position * plane },
      })) as PrepareResponse;
      const prepared: PreparedImage = {
        file: item.id,
        // A view of the group's memory, valid until the group's forward pass is done.
        tensor: new Float32Array(memory, position * plane * 4, plane),
        geometry: r.geometry,
        ...(r.image === undefined ? {} : { image: r.image }),
      };
      return { item, prepared, ms: r.ms, position };
    } catch (error) {
      return { item, error, ms: performance.now() - started, position };
    }
  }

  /** Floats in one image's input tensor. */
  private get plane(): number {
    return 3 * this.model.inputWidth * this.model.inputHeight;
  }

  /** The forward pass of a group; a failing batch is retried image by image. */
  private async infer<T>(group: Group<T>): Promise<Outputs<T>> {
    const batch = group.ready;
    const memory = group.memory;
    try {
      if (batch.length === 0) return [];
      if (memory === undefined) return await this.inferSome(batch);
      // Failed images leave gaps: close them up so that the batch is one run of tensors.
      const plane = this.plane;
      const all = new Float32Array(memory);
      for (const [j, p] of batch.entries()) {
        if (p.position !== j) all.copyWithin(j * plane, p.position * plane, (p.position + 1) * plane);
      }
      const input = all.subarray(0, batch.length * plane);
      const started = performance.now();
      try {
        const inferences = await this.model.inferInput(
          input,
          batch.map((b, j) => ({ ...b.prepared!, tensor: all.subarray(j * plane, (j + 1) * plane) })),
          5,
          this.targetsOf(batch),
        );
        const share = (performance.now() - started) / batch.length;
        return inferences.map((inference, i) => ({
          ok: true as const,
          // Score-CAM (on this thread) reads the input again after the memory is reused: copy it.
          inference:
            this.local === undefined
              ? inference
              : {
                  ...inference,
                  prepared: { ...inference.prepared, tensor: inference.prepared.tensor.slice() },
                },
          prepareMs: batch[i]!.ms,
          inferMs: share,
        }));
      } catch {
        // One image at a time, each from its own copy, so one bad input cannot take the others down.
        const copies = batch.map((b, j) => ({
          ...b,
          prepared: { ...b.prepared!, tensor: all.slice(j * plane, (j + 1) * plane) },
        }));
        const out: Outputs<T> = [];
        for (const one of copies) out.push(...(await this.inferSome([one])));
        return out;
      }
    } finally {
      if (memory !== undefined) this.memory.release(memory);
    }
  }

  /** The targets the graph computes per image (--cam-on-device, or gradients by backprop), or none. */
  private targetsOf<T>(batch: Prepared<T>[]): number[][] | undefined {
    // The backward graph's runs too: one per target, so the ground truth's class is not one more pass.
    return this.model.deviceCamRequest === undefined && !this.model.hasBackprop
      ? undefined
      : batch.map((b) => deviceTargets(this.work, b.item as WorkItem));
  }

  private async inferSome<T>(batch: Prepared<T>[]): Promise<Outputs<T>> {
    const started = performance.now();
    try {
      const inferences = await this.model.infer(
        batch.map((b) => b.prepared!),
        5,
        this.targetsOf(batch),
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

  /** Post-processing of a group: on a worker (in chunks, one transfer each) or here. */
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
        done = await postInChunks(items, ok, this.workers, (batch, transfer) =>
          this.pool!.run({ kind: 'post', batch }, transfer),
        );
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

/** The batch the session ran: a model fixed at batch 1 runs one image at a time whatever --batch asked. */
export function describeBatch(asked: number, fixed: number | null): string {
  const batch = Math.max(1, asked);
  return fixed === null || fixed === batch ? `batch ${batch}` : `batch ${fixed} (fixed by the model)`;
}

/** Where the pictures and maps went (`; overlays in runs/p/overlays`), so the summary line says it. */
export function describeArtifactFolders(work: {
  readonly overlayDir?: string;
  readonly saveCams?: { readonly dir: string };
}): string {
  const parts = [
    ...(work.overlayDir === undefined ? [] : [`overlays in ${work.overlayDir}`]),
    ...(work.saveCams === undefined ? [] : [`maps in ${work.saveCams.dir}`]),
  ];
  return parts.length === 0 ? '' : `; ${parts.join(', ')}`;
}
