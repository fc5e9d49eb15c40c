/**
 * One image of `scoreCamDirectory` scored by every 'maps' row of the table, the same on the
 * calling thread and on a worker thread: its .npy map read and brought to the frame
 * (parallel/cam-file.ts), the image in the protocol's frame (`FramedImage`, as `run` gives it),
 * each row's evaluator observing it and accumulating what it gave (`MetricSet.accumulateImage`).
 */
import { type Box, describeError, UsageError } from '@cam-localize/core';
import type { DatasetItem } from '../datasets/types.js';
import type { FramedImage } from '../metrics/evaluator.js';
import { METRICS, type MetricSet, type MetricTable } from '../metrics/table.js';
import { type CamResample, loadCamForEval, type SharedStem } from '../parallel/cam-file.js';
import type { ImageProblem, MapOutcome } from './tally.js';

/**
 * The module that exports a table of metrics, for worker threads to load it (a table's rows hold
 * functions, which cannot be sent to a thread): `url` (a file: URL) and the export's `name`.
 */
export interface MetricTableModule {
  readonly url: string;
  readonly name: string;
}

/** `module`'s table of metrics, or eval's `METRICS`. */
export async function loadMetricTable(module: MetricTableModule | undefined): Promise<MetricTable> {
  if (module === undefined) return METRICS;
  const table = ((await import(module.url)) as Record<string, unknown>)[module.name];
  if (!Array.isArray(table)) {
    throw new UsageError(`${module.url} exports no table of metrics named '${module.name}'`);
  }
  return table as MetricTable;
}

/** An image to score: where its map may be, and its boxes in the frame (none: scored for its mask only). */
export interface CamJob {
  item: DatasetItem;
  /** Score-map files to try, in order (scoreMapPathCandidates). */
  candidates: string[];
  /** The `<stem>.npy` this image may not use because other images name it too. */
  sharedStem?: SharedStem;
  gtBoxes: Box[];
}

/** The image's ground-truth mask as labels in the map's frame, or the problem with its file. */
export type MaskReader = (
  item: DatasetItem,
  map: { file: string; width: number; height: number },
) => Promise<{ labels: Uint8Array } | { problem: ImageProblem }>;

function withoutMask(item: DatasetItem): DatasetItem {
  const { mask: _, ...rest } = item;
  return rest;
}

/**
 * Reads `job`'s map and adds it to every evaluator of `set`. A row that fails on the map is a
 * 'corrupt' problem of the image (the other rows still count it); with `readMask`, an item's mask
 * is read once for every row (a bad mask file is a 'mask' problem, and the image counts for no
 * mask metric).
 */
export async function scoreCamJob(
  set: MetricSet,
  job: CamJob,
  frame: { size: number; resample: CamResample },
  readMask?: MaskReader,
): Promise<MapOutcome> {
  const loaded = await loadCamForEval(job.candidates, frame.size, frame.resample, job.sharedStem);
  if (!loaded.ok) return { problems: [loaded.problem], scored: false, resized: false, nonFinite: false };
  const { file, normalized, width, height } = loaded;
  const mask =
    job.item.mask === undefined || readMask === undefined
      ? undefined
      : await readMask(job.item, { file, width, height });
  const image: FramedImage = {
    item: mask !== undefined && 'problem' in mask ? withoutMask(job.item) : job.item,
    gtBoxes: job.gtBoxes,
    map: { width, height, data: normalized },
    values: normalized,
    gtBoxesOfMap: job.gtBoxes,
    ...(mask !== undefined && 'labels' in mask ? { maskLabels: mask.labels } : {}),
    boxes: [],
    predictedBoxes: [],
    gtClass: -1,
    ranked: [],
  };
  const { counted, errors } = await set.accumulateImage(image);
  const problems: ImageProblem[] = errors.map((e) => ({ file, kind: 'corrupt', message: describeError(e) }));
  if (mask !== undefined && 'problem' in mask) problems.push(mask.problem);
  return { problems, scored: counted, resized: loaded.resized, nonFinite: loaded.nonFinite };
}
