/**
 * The CLI's pipeline worker thread: it decodes and preprocesses images (core's prepare task) and
 * post-processes batches of model outputs (CAMs, boxes, evaluation, saved maps and overlays), so
 * one pool of threads does both and the busier stage gets the free threads.
 */
import {
  createPrepareTask,
  type PrepareInit,
  type PrepareRequest,
  serveTasks,
} from '@cam-localize/core/workers';
import { ImageWorker } from './image-work.js';
import { headCamSource, type PostBatch, type PostInit, processBatch } from './post-batch.js';

export interface PipelineInit {
  readonly prepare: PrepareInit;
  /** Absent when post-processing stays on the main thread (methods that need the session). */
  readonly post?: PostInit;
}

export type PipelineRequest =
  | ({ readonly kind: 'prepare' } & PrepareRequest)
  | { readonly kind: 'post'; readonly batch: PostBatch };

serveTasks<PipelineInit, PipelineRequest, unknown>(async (init) => {
  const prepare = await createPrepareTask(init.prepare);
  const worker =
    init.post === undefined ? undefined : new ImageWorker(init.post.work, headCamSource(init.post));
  return async (request) => {
    if (request.kind === 'prepare') return prepare(request);
    if (worker === undefined) throw new Error('this pipeline worker was started without post-processing');
    return { result: await processBatch(worker, request.batch) };
  };
});
