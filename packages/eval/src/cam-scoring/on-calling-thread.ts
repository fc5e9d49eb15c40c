/**
 * `scoreCamDirectory` on the calling thread: a few files read at once, each image's map and mask
 * (with the caller's mask loader) scored by every row (score-map.ts). Used for small jobs, for a
 * custom resampler or mask loader, and for datasets with masks.
 */
import { CamLocalizeError, describeError } from '@cam-localize/core';
import type { DatasetItem } from '../datasets/types.js';
import { groundTruthLabels, type ReadMaskOptions, readGroundTruthMask } from '../masks.js';
import type { MetricSet } from '../metrics/table.js';
import type { CamResample } from '../parallel/cam-file.js';
import type { GroundTruthFrame } from './ground-truth-frame.js';
import { type MaskReader, scoreCamJob } from './score-map.js';
import type { CamTally } from './tally.js';

export interface CallingThreadScoring {
  readonly set: MetricSet;
  readonly frame: GroundTruthFrame;
  readonly tally: CamTally;
  readonly size: number;
  readonly resample: CamResample;
  readonly maskOptions: ReadMaskOptions;
  /** Files read at once. */
  readonly concurrency: number;
  readonly signal?: AbortSignal | undefined;
}

/** Reads an item's mask as `get_mask` does; a missing or corrupt file is the image's 'mask' problem. */
function maskReader(maskOptions: ReadMaskOptions): MaskReader {
  return async (item, map) => {
    try {
      const mask = await readGroundTruthMask(item, { width: map.width, height: map.height }, maskOptions);
      return { labels: groundTruthLabels(mask) };
    } catch (e) {
      const where = e instanceof CamLocalizeError && e.file !== undefined ? e.file : item.mask!.files[0];
      const message =
        e instanceof CamLocalizeError
          ? `${e.message}${e.hint === undefined ? '' : ` (${e.hint})`}`
          : describeError(e);
      return { problem: { file: where ?? map.file, kind: 'mask', message } };
    }
  };
}

export async function scoreOnCallingThread(
  items: readonly DatasetItem[],
  scoring: CallingThreadScoring,
): Promise<void> {
  const { set, frame, tally } = scoring;
  const readMask = maskReader(scoring.maskOptions);
  let next = 0;
  const reader = async () => {
    while (next < items.length) {
      if (scoring.signal?.aborted) {
        tally.aborted = true;
        return;
      }
      const item = items[next++]!;
      const job = frame.imageInFrame(item);
      if (job !== undefined) tally.add(item.id, await scoreCamJob(set, job, scoring, readMask));
      tally.progress();
    }
  };
  const readers = Math.max(1, Math.min(scoring.concurrency, items.length));
  await Promise.all(Array.from({ length: readers }, reader));
}
