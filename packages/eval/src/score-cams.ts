/**
 * `scoreCamDirectory`: the engine of `cam-localize eval <dataset> --cams <dir>`. For each image of
 * a dataset it reads `<camDir>/<image_id>.npy` (wsolevaluation's layout), brings the map to the
 * evaluation frame (bicubic resize to 224x224 when it is another size), normalises it like
 * wsolevaluation's `normalize_scoremap`, rescales the ground-truth boxes with int() truncation,
 * and hands the image, in the protocol's frame, to every row of scope 'maps' of the table of
 * metrics (MaxBoxAcc / MaxBoxAccV2, PxAP, ...): each row's evaluator observes it and accumulates
 * what it gave, as `run` replays its records. Images with ground-truth masks (wsolevaluation's
 * mask metadata, OpenImages30k) have their mask read once, as `get_mask` reads it (masks.ts); an
 * image with a mask but no box is scored for its mask only and is not a 'no-ground-truth'
 * problem. Missing, unreadable or unusable files (score maps and mask files) are counted and
 * reported per image; they never stop the run. Memory stays independent of the number of images
 * (counters and histograms only), plus the list of problems. The steps: cam-scoring/ (the
 * ground truth in the frame, one map scored, the calling thread, the worker threads, the tally).
 */
import { type ImageSize, readImageSize, resampleScoreMap, type ScoreMap } from '@cam-localize/core';
import { thresholdGrid } from '@cam-localize/localize';
import { camFilesFor } from './cam-candidates.js';
import { GroundTruthFrame } from './cam-scoring/ground-truth-frame.js';
import { scoreOnCallingThread } from './cam-scoring/on-calling-thread.js';
import { scoreOnThreads } from './cam-scoring/on-threads.js';
import type { MetricTableModule } from './cam-scoring/score-map.js';
import { type CamProblem, type CamProblemKind, CamTally } from './cam-scoring/tally.js';
import type { Dataset, DatasetItem } from './datasets/types.js';
import { WSOL_PROTOCOL } from './evaluation-protocol.js';
import { BoxAccuracyEvaluator, type BoxAccuracyResult } from './evaluators/box-accuracy.js';
import type { PxapResult } from './evaluators/pxap.js';
import type { ReadMaskOptions } from './masks.js';
import { BOX_ACCURACY_METRIC } from './metrics/box-accuracy-metric.js';
import type { MetricSettings } from './metrics/evaluator.js';
import { PXAP_METRIC } from './metrics/pxap-metric.js';
import { METRICS, MetricSet, type MetricTable } from './metrics/table.js';
import { resolveWorkers } from './parallel/score-pool.js';

/**
 * A scoring thread's start-up (loading its modules) costs about as much CPU as scoring this many
 * maps (the figures: packages/cli/bench/MEASUREMENTS.md).
 */
const MAPS_PER_THREAD = 75;

/**
 * The default threads for `maps` maps: one per MAPS_PER_THREAD maps, up to the pool's default, and
 * none where fewer than two would pay (one thread alone is never faster than the calling thread).
 */
function threadsForJob(maps: number): number {
  const paying = Math.floor(maps / MAPS_PER_THREAD);
  return paying < 2 ? 0 : Math.min(resolveWorkers(undefined), paying);
}

export type ResampleFn = (map: ScoreMap, width: number, height: number, mode: 'bicubic') => ScoreMap;

export interface ScoreCamOptions {
  /** CAM thresholds; default the protocol's grid (np.arange(0, 1, 0.001)). */
  thresholds?: ArrayLike<number>;
  /** IoU levels in percent; default [30, 50, 70]. */
  iouThresholds?: readonly number[];
  /** Multi-contour boxes (MaxBoxAccV2, default) or the largest contour only (V1). */
  multiContour?: boolean;
  /** Evaluation frame size; default 224 (wsolevaluation). */
  size?: number;
  /** Resampler for maps of another size; default core's `resampleScoreMap` (OpenCV INTER_CUBIC). */
  resample?: ResampleFn;
  /** Files read at once (on the calling thread). Default 16. */
  concurrency?: number;
  /**
   * Worker threads that read, resize, normalise and score the .npy files themselves (the calling
   * thread only sends ids, file candidates and boxes, and merges the workers' counters). Default
   * max(2, cores - 1); 0: everything on the calling thread. Results and problems
   * are identical either way. The calling thread is used regardless when a custom `resample` or
   * `loadMask` is given, or a custom `metrics` table without its `metricsModule` (functions
   * cannot be sent to a worker), or when any image has a ground-truth mask (masks are read on the
   * calling thread only). By default a small job gets fewer threads: one per 75 maps, none under 150.
   */
  workers?: number;
  /**
   * The table of metrics whose 'maps' rows score every map; default eval's `METRICS`. Each
   * worker thread loads the table itself: from `metricsModule` when given.
   */
  metrics?: MetricTable;
  /** The module that exports `metrics` (its file: URL and the export's name), for worker threads. */
  metricsModule?: MetricTableModule;
  /** Images per message to a worker. Default 8. */
  batchSize?: number;
  /** Called after each image. */
  onProgress?: (done: number, total: number) => void;
  /** Stop early; the metrics so far are returned with `aborted: true`. */
  signal?: AbortSignal;
  /** Decoder for mask images; default core's `loadImage`. */
  loadMask?: ReadMaskOptions['load'];
  /**
   * The size of an image whose layout does not store it (CUB, LOC_val_solution.csv); default
   * core's `readImageSize` (the file's header, no pixel decoding), the size `run` decodes.
   */
  imageSize?: (file: string) => Promise<ImageSize>;
}

export type { CamProblem, CamProblemKind };

export interface ScoreCamResult {
  /** Box metrics over the images with boxes (`metrics.count` of them; 0 for a mask dataset). */
  metrics: BoxAccuracyResult;
  /**
   * PxAP over the images with masks (`pxap.count` of them), with the precision / recall curve;
   * absent when no image with a mask was scored or PxAP is undefined (see `pxapError`).
   */
  pxap?: PxapResult;
  /** Why PxAP is undefined although masks were scored (no foreground pixel at all, ...). */
  pxapError?: string;
  /** Images in the dataset; images scored for at least one metric (boxes or PxAP). */
  total: number;
  scored: number;
  problems: CamProblem[];
  /** Per kind, how many problems. */
  problemCounts: Record<CamProblemKind, number>;
  /** How many maps needed resizing to the evaluation frame. */
  resized: number;
  /** Ground-truth boxes that reached outside their image and were clipped to it (ground-truth.ts). */
  clippedBoxes: number;
  /** Ground-truth boxes of zero area, and boxes wholly outside their image: scored, and counted here. */
  zeroAreaBoxes: number;
  outsideBoxes: number;
  /** Scored maps that held a NaN or infinite value and were zeroed, as wsolevaluation does. */
  nonFiniteMaps: number;
  aborted: boolean;
  protocol: string;
  /**
   * The state of each 'maps' row's evaluator, by row name (plain JSON), for a `MetricSet` of the
   * same table to merge: with those of other shards of the dataset, or alone (`eval`'s metrics).
   */
  states: Record<string, unknown>;
}

/** The settings of the rows' evaluators: wsolevaluation's protocol with the options' grid, levels and contours. */
function metricSettings(options: ScoreCamOptions): MetricSettings {
  return {
    protocol: {
      ...WSOL_PROTOCOL,
      iouThresholds: [...(options.iouThresholds ?? WSOL_PROTOCOL.iouThresholds)],
      multiContour: options.multiContour ?? WSOL_PROTOCOL.multiContour,
    },
    thresholds: Float64Array.from(options.thresholds ?? thresholdGrid(WSOL_PROTOCOL.thresholdInterval)),
    command: 'eval',
  };
}

/** Worker threads for `items`, or 0 for the calling thread (see `ScoreCamOptions.workers`). */
function threadsFor(items: readonly DatasetItem[], options: ScoreCamOptions): number {
  const threads =
    options.workers === undefined
      ? threadsForJob(items.length)
      : Math.min(resolveWorkers(options.workers), items.length);
  const sendable =
    options.resample === undefined &&
    options.loadMask === undefined &&
    (options.metrics === undefined || options.metricsModule !== undefined) &&
    !items.some((item) => item.mask !== undefined);
  return sendable ? threads : 0;
}

/** The result: the rows' states and figures (MaxBoxAcc and PxAP under their own fields too), and the tally. */
function scoreCamResult(set: MetricSet, tally: CamTally, items: readonly DatasetItem[]): ScoreCamResult {
  const { settings } = set;
  const boxes =
    set.result(BOX_ACCURACY_METRIC) ??
    new BoxAccuracyEvaluator({
      thresholds: settings.thresholds,
      iouThresholds: settings.protocol.iouThresholds,
      multiContour: settings.protocol.multiContour,
    }).compute();
  const pxap = set.result(PXAP_METRIC);
  return {
    metrics: boxes,
    ...(pxap !== undefined && 'result' in pxap ? { pxap: pxap.result } : {}),
    ...(pxap !== undefined && 'error' in pxap ? { pxapError: pxap.error } : {}),
    total: items.length,
    scored: tally.scored,
    problems: tally.problemsInOrder(),
    problemCounts: tally.problemCounts,
    resized: tally.resized,
    clippedBoxes: tally.clippedBoxes,
    zeroAreaBoxes: tally.zeroAreaBoxes,
    outsideBoxes: tally.outsideBoxes,
    nonFiniteMaps: tally.nonFiniteMaps,
    aborted: tally.aborted,
    protocol: WSOL_PROTOCOL.name,
    states: set.states(),
  };
}

export async function scoreCamDirectory(
  dataset: Dataset,
  camDir: string,
  options: ScoreCamOptions = {},
): Promise<ScoreCamResult> {
  const size = options.size ?? 224;
  const settings = metricSettings(options);
  const set = new MetricSet(settings, { table: options.metrics ?? METRICS });
  const items = dataset.items;
  const tally = new CamTally(items, options.onProgress);
  const camFiles = camFilesFor(
    camDir,
    items.map((i) => i.id),
  );
  const frame = await GroundTruthFrame.open(
    items,
    { size, camDir, camFiles },
    options.imageSize ?? readImageSize,
    tally,
  );
  const threads = threadsFor(items, options);
  const { signal } = options;
  if (threads > 0) {
    const module = options.metricsModule;
    await scoreOnThreads(items, threads, {
      set,
      frame,
      tally,
      init: { settings, size, ...(module === undefined ? {} : { module }) },
      batchSize: options.batchSize ?? 8,
      signal,
    });
  } else {
    await scoreOnCallingThread(items, {
      set,
      frame,
      tally,
      size,
      resample: options.resample ?? resampleScoreMap,
      maskOptions: options.loadMask === undefined ? {} : { load: options.loadMask },
      concurrency: options.concurrency ?? 16,
      signal,
    });
  }
  return scoreCamResult(set, tally, items);
}
