/**
 * The pipeline's worker threads, started before the model is loaded: loading their modules then
 * overlaps the session's creation instead of following it (bench/MEASUREMENTS.md has the figures).
 * `ImagePipeline.start` hands them their set-up.
 */
import { type SpawningPool, TaskPool } from '@cam-localize/core/workers';
import type { PipelineRequest } from './pipeline-worker.js';

/** Pipeline threads started before the model was loaded (none for 0 workers). */
export type EarlyWorkers = SpawningPool<PipelineRequest, unknown> | undefined;

/** Starts `workers` pipeline threads, waiting for their set-up. */
export function spawnPipelineWorkers(workers: number): EarlyWorkers {
  if (workers < 1) return undefined;
  return TaskPool.spawn<PipelineRequest, unknown>({
    callerUrl: import.meta.url,
    module: 'pipeline-worker',
    size: workers,
    label: 'the pipeline workers',
  });
}

/**
 * Runs `body` with early pipeline threads, and ends them after it if the pipeline did not take
 * them (a command that failed before its pipeline started).
 */
export async function withEarlyWorkers<T>(
  workers: number,
  body: (early: EarlyWorkers) => Promise<T>,
): Promise<T> {
  const early = spawnPipelineWorkers(workers);
  try {
    return await body(early);
  } finally {
    await early?.close();
  }
}
