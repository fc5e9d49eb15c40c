/**
 * `scoreCamDirectory` on worker threads: the calling thread sends each image's item, map
 * candidates and boxes in the frame, in batches; each worker reads, resizes and normalises the
 * maps itself and scores them with its own evaluators of the table's 'maps' rows
 * (parallel/score-task.ts), and sends back the batch's `state()` of each, by row name, with what
 * each map gave. The calling thread merges the states as shards' parts are merged: the counters
 * add, so the result does not depend on which worker saw which batch.
 */
import { UsageError } from '@cam-localize/core';
import type { DatasetItem } from '../datasets/types.js';
import type { MetricSet } from '../metrics/table.js';
import { type ScoreBatch, scoreOnPool, startScorePool } from '../parallel/score-pool.js';
import type { ScoreCamInit } from '../parallel/score-task.js';
import type { GroundTruthFrame } from './ground-truth-frame.js';
import type { CamJob } from './score-map.js';
import type { CamTally } from './tally.js';

export interface ThreadScoring {
  readonly set: MetricSet;
  readonly frame: GroundTruthFrame;
  readonly tally: CamTally;
  /** What every worker builds its evaluators from, and the frame size. */
  readonly init: ScoreCamInit;
  /** Images per message to a worker. */
  readonly batchSize: number;
  readonly signal?: AbortSignal | undefined;
}

/** Hands out the images in batches; those that cannot be scored are reported here and never sent. */
function camBatches(
  items: readonly DatasetItem[],
  scoring: ThreadScoring,
): () => ScoreBatch<DatasetItem[]> | undefined {
  const { frame, tally, batchSize } = scoring;
  let index = 0;
  return () => {
    const files: CamJob[] = [];
    const sent: DatasetItem[] = [];
    while (files.length < batchSize && index < items.length) {
      if (scoring.signal?.aborted) {
        tally.aborted = true;
        break;
      }
      const item = items[index++]!;
      const job = frame.imageInFrame(item);
      if (job === undefined) {
        tally.progress();
        continue;
      }
      files.push(job);
      sent.push(item);
    }
    if (files.length === 0) return undefined;
    return { request: { kind: 'files', files }, transfer: [], tag: sent };
  };
}

export async function scoreOnThreads(
  items: readonly DatasetItem[],
  threads: number,
  scoring: ThreadScoring,
): Promise<void> {
  const { batchSize, set, tally } = scoring;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const pool = await startScorePool(threads, { cams: scoring.init });
  try {
    await scoreOnPool(pool, camBatches(items, scoring), ({ states, outcomes }, batch) => {
      set.mergeStates(states!, 'a worker thread');
      batch.forEach((item, k) => {
        tally.add(item.id, outcomes![k]!);
        tally.progress();
      });
    });
  } finally {
    await pool.close();
  }
}
