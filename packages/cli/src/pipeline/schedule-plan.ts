/**
 * The scheduling policy of the streaming pipeline (stream.ts), in one place: how far ahead images
 * are prepared, how many forward passes wait on the session, how many batches are post-processed
 * at once, and how a batch is cut into post-processing tasks. Every figure follows from the batch
 * size and the number of worker threads; the pipeline's parts only read them.
 */

export interface ScheduleInput {
  /** Images per forward pass. */
  readonly batchSize: number;
  /** Pipeline worker threads; 0: everything on the main thread (counted as one below). */
  readonly workers: number;
}

export interface SchedulePlan {
  /**
   * Tasks in flight per worker (the pool's window): together at least two batches, so that the
   * next group's images are decoded while the last of this group's finish (a group waits for its
   * slowest image; at 2 per worker, 15 workers held fewer images than one batch of 32 and sat idle
   * at each group's tail).
   */
  readonly tasksPerWorker: number;
  /** Images submitted for preparation ahead: every worker busy while two batches are in the model. */
  readonly prefetch: number;
  /** Forward passes queued on the session, so that it never waits for the main thread. */
  readonly queuedForwardPasses: number;
  /** Batches being post-processed beyond which the oldest is awaited and its records delivered. */
  readonly postWindow: number;
  /** Images per post-processing task, for a whole batch ({@link postChunkSize}). */
  readonly postChunkSize: number;
}

/** The plan for a batch size and a number of workers. */
export function schedulePlan({ batchSize, workers }: ScheduleInput): SchedulePlan {
  const batch = Math.max(1, batchSize);
  const threads = Math.max(1, workers);
  const tasksPerWorker = Math.max(2, Math.ceil((2 * batch) / threads) + 1);
  return {
    tasksPerWorker,
    prefetch: Math.max(2 * batch + 2, batch + tasksPerWorker * threads),
    queuedForwardPasses: 2,
    postWindow: 2 * threads,
    postChunkSize: postChunkSize(batch, workers),
  };
}

/**
 * Images per post-processing task: a batch is spread over the workers. As one task, a large batch
 * holds one worker while every image queued behind it (two of each later batch) waits, which
 * capped a fast GPU's throughput with every thread under half busy (bench/MEASUREMENTS.md).
 */
export function postChunkSize(images: number, workers: number): number {
  return Math.max(1, Math.ceil(images / Math.max(1, workers)));
}
