/**
 * `scoreCamDirectory`: the engine of `cam-localize eval <dataset> --cams <dir>`. For each image of
 * a dataset it reads `<camDir>/<image_id>.npy` (wsolevaluation's layout), brings the map to the
 * evaluation frame (bicubic resize to 224x224 when it is another size), normalises it like
 * wsolevaluation's `normalize_scoremap`, rescales the ground-truth boxes with int() truncation,
 * and accumulates MaxBoxAcc / MaxBoxAccV2. Images with ground-truth masks (wsolevaluation's mask
 * metadata, OpenImages30k) are also read as `get_mask` reads them (see masks.ts) and the same
 * normalised maps are accumulated into PxAP (`MaskEvaluator`); an image with a mask but no box is
 * scored for PxAP only and is not a 'no-ground-truth' problem. Missing, unreadable or unusable
 * files (score maps and mask files) are counted and reported per image; they never stop the run.
 * Memory stays independent of the number of images (counters and histograms only), plus the list
 * of problems. (Just over 400 lines, and `scoreCamDirectory` about 280: the calling-thread and
 * worker paths keep their shared per-image bookkeeping, boxes in frame and counters, in one
 * closure. Splitting it by step, with eval's accumulation moved into the metrics table's rows, is
 * what is left of issue 30, item 1.)
 */
import {
  type Box,
  CamLocalizeError,
  describeError,
  type ImageSize,
  readImageSize,
  resampleScoreMap,
  type ScoreMap,
  UsageError,
} from '@cam-localize/core';
import { camFilesFor } from './cam-candidates.js';
import type { Dataset, DatasetItem } from './datasets/types.js';
import { WSOL_PROTOCOL } from './evaluation-protocol.js';
import {
  BoxAccuracyEvaluator,
  type BoxAccuracyResult,
  type BoxAccuracyState,
} from './evaluators/box-accuracy.js';
import { PxapEvaluator, type PxapResult, type PxapState } from './evaluators/pxap.js';
import { groundTruthLabels, type ReadMaskOptions, readGroundTruthMask } from './masks.js';
import { loadCamForEval } from './parallel/cam-file.js';
import { resolveWorkers, type ScoreBatch, scoreOnPool, startScorePool } from './parallel/score-pool.js';
import type { FileJob } from './parallel/score-task.js';
import { groundTruthInFrame } from './protocol-frame.js';

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
   * `loadMask` is given (functions cannot be sent to a worker) or when any image has a
   * ground-truth mask (PxAP is scored on the calling thread only). By default a small job gets
   * fewer threads: one per 75 maps, none under 150.
   */
  workers?: number;
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

/**
 * Why an image was (partly) skipped. 'mask': a ground-truth mask file is missing or corrupt
 * (`file` names it); the image then does not count for PxAP. 'ambiguous': the image has no
 * `<id>.npy`, and its `<stem>.npy` would also be another image's map (cam-candidates.ts).
 */
export type CamProblemKind =
  | 'missing'
  | 'corrupt'
  | 'size'
  | 'ambiguous'
  | 'no-ground-truth'
  | 'no-image-size'
  | 'mask';

export interface CamProblem {
  id: string;
  /** The score-map file looked at (the first candidate when none exists). */
  file: string;
  kind: CamProblemKind;
  message: string;
}

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
  /** The evaluators' counters, for adding to those of other shards of the dataset (`mergeState`). */
  states: { boxAccuracy: BoxAccuracyState; pxap: PxapState };
}

export async function scoreCamDirectory(
  dataset: Dataset,
  camDir: string,
  options: ScoreCamOptions = {},
): Promise<ScoreCamResult> {
  const size = options.size ?? 224;
  const evaluator = new BoxAccuracyEvaluator({
    multiContour: options.multiContour ?? WSOL_PROTOCOL.multiContour,
    ...(options.thresholds === undefined ? {} : { thresholds: options.thresholds }),
    iouThresholds: options.iouThresholds ?? WSOL_PROTOCOL.iouThresholds,
  });
  const pxapEvaluator = new PxapEvaluator(
    options.thresholds === undefined ? {} : { thresholds: options.thresholds },
  );
  const maskOptions: ReadMaskOptions = options.loadMask === undefined ? {} : { load: options.loadMask };
  const resample = options.resample ?? resampleScoreMap;
  const problems: CamProblem[] = [];
  const problemCounts: Record<CamProblemKind, number> = {
    missing: 0,
    corrupt: 0,
    size: 0,
    ambiguous: 0,
    'no-ground-truth': 0,
    'no-image-size': 0,
    mask: 0,
  };
  const report = (id: string, file: string, kind: CamProblemKind, message: string) => {
    problems.push({ id, file, kind, message });
    problemCounts[kind]++;
  };
  let resized = 0;
  let scored = 0;
  let done = 0;
  let aborted = false;
  const items = dataset.items;
  let clippedBoxes = 0;
  let zeroAreaBoxes = 0;
  let outsideBoxes = 0;
  let nonFiniteMaps = 0;
  const camFiles = camFilesFor(
    camDir,
    items.map((i) => i.id),
  );

  // Image sizes the layout does not store, from the files' headers (never the pixels).
  const headerSizes = new Map<DatasetItem, ImageSize | string>();
  const needSize = items.filter(
    (i) => i.boxes.length > 0 && (i.width === undefined || i.height === undefined),
  );
  if (needSize.length > 0) {
    const imageSize = options.imageSize ?? readImageSize;
    let k = 0;
    const reader = async () => {
      while (k < needSize.length) {
        const item = needSize[k++]!;
        headerSizes.set(item, await imageSize(item.file).catch((e: unknown) => describeError(e)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, needSize.length) }, reader));
  }
  /** The item's boxes clipped to its image and brought to the evaluation frame, or why they cannot be. */
  const boxesInFrame = (item: DatasetItem): Box[] | string => {
    let width = item.width;
    let height = item.height;
    if (width === undefined || height === undefined) {
      const header = headerSizes.get(item);
      if (header === undefined || typeof header === 'string')
        return `no image size (the layout stores none, and the image header cannot be read: ${header ?? 'no file'})`;
      ({ width, height } = header);
    }
    const framed = groundTruthInFrame(item.boxes, { width, height }, { width: size, height: size });
    clippedBoxes += framed.clipped;
    zeroAreaBoxes += framed.zeroArea;
    outsideBoxes += framed.outside;
    return framed.inFrame;
  };

  const scoreOne = async (item: DatasetItem): Promise<void> => {
    const files = camFiles.get(item.id)!;
    if (files instanceof Error) {
      report(item.id, camDir, 'corrupt', describeError(files));
      return;
    }
    const { candidates } = files;
    const hasMask = item.mask !== undefined;
    let useBoxes = item.boxes.length > 0;
    if (!useBoxes && !hasMask) {
      report(
        item.id,
        candidates[0]!,
        'no-ground-truth',
        'the dataset has no ground-truth box or mask for this image',
      );
      return;
    }
    let gt: Box[] = [];
    if (useBoxes) {
      const framed = boxesInFrame(item);
      if (typeof framed === 'string') {
        report(item.id, candidates[0]!, 'no-image-size', framed);
        if (!hasMask) return;
        useBoxes = false;
      } else {
        gt = framed;
      }
    }
    const loaded = await loadCamForEval(candidates, size, resample, files.sharedStem);
    if (!loaded.ok) {
      report(item.id, loaded.problem.file, loaded.problem.kind, loaded.problem.message);
      return;
    }
    const { file, normalized, width, height } = loaded;
    if (loaded.resized) resized++;
    if (loaded.nonFinite) nonFiniteMaps++;
    let counted = false;
    if (useBoxes) {
      try {
        evaluator.accumulateValues(normalized, width, height, gt);
        counted = true;
      } catch (e) {
        report(item.id, file, 'corrupt', describeError(e));
      }
    }
    if (hasMask) {
      let labels: Uint8Array | undefined;
      try {
        labels = groundTruthLabels(await readGroundTruthMask(item, { width, height }, maskOptions));
      } catch (e) {
        const where = e instanceof CamLocalizeError && e.file !== undefined ? e.file : item.mask!.files[0];
        const message =
          e instanceof CamLocalizeError
            ? `${e.message}${e.hint === undefined ? '' : ` (${e.hint})`}`
            : describeError(e);
        report(item.id, where ?? file, 'mask', message);
      }
      if (labels !== undefined) {
        pxapEvaluator.accumulate({ width, height, data: normalized }, labels);
        counted = true;
      }
    }
    if (counted) scored++;
  };

  const progress = () => {
    done++;
    options.onProgress?.(done, items.length);
  };

  /** Worker threads: ids, candidates and boxes out; per-file outcomes and counters back. */
  const scoreOnThreads = async (threads: number): Promise<void> => {
    const batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new UsageError('E_USAGE', `batchSize must be a positive integer, got ${batchSize}`);
    }
    let index = 0;
    const next = (): ScoreBatch<DatasetItem[]> | undefined => {
      const files: FileJob[] = [];
      const sentItems: DatasetItem[] = [];
      while (files.length < batchSize && index < items.length) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        const item = items[index++]!;
        const camFilesOfItem = camFiles.get(item.id)!;
        if (camFilesOfItem instanceof Error) {
          report(item.id, camDir, 'corrupt', describeError(camFilesOfItem));
          progress();
          continue;
        }
        const { candidates, sharedStem } = camFilesOfItem;
        // No image has a mask on this path (see `workers`).
        if (item.boxes.length === 0) {
          report(
            item.id,
            candidates[0]!,
            'no-ground-truth',
            'the dataset has no ground-truth box or mask for this image',
          );
          progress();
          continue;
        }
        const gtBoxes = boxesInFrame(item);
        if (typeof gtBoxes === 'string') {
          report(item.id, candidates[0]!, 'no-image-size', gtBoxes);
          progress();
          continue;
        }
        files.push({ id: item.id, candidates, gtBoxes, ...(sharedStem === undefined ? {} : { sharedStem }) });
        sentItems.push(item);
      }
      if (files.length === 0) return undefined;
      return { request: { kind: 'files', files }, transfer: [], tag: sentItems };
    };
    const pool = await startScorePool(threads, {
      options: {
        thresholds: evaluator.thresholds,
        iouThresholds: [...evaluator.iouThresholds],
        multiContour: evaluator.multiContour,
      },
      size,
    });
    try {
      await scoreOnPool(pool, evaluator, next, ({ outcomes }, batch) => {
        batch.forEach((item, k) => {
          const outcome = outcomes![k]!;
          if (outcome.problem !== undefined) {
            report(item.id, outcome.problem.file, outcome.problem.kind, outcome.problem.message);
          }
          if (outcome.resized) resized++;
          if (outcome.nonFinite) nonFiniteMaps++;
          if (outcome.scored) scored++;
          progress();
        });
      });
    } finally {
      await pool.close();
    }
  };

  const threads =
    options.workers === undefined
      ? threadsForJob(items.length)
      : Math.min(resolveWorkers(options.workers), items.length);
  const onThreads =
    threads > 0 &&
    options.resample === undefined &&
    options.loadMask === undefined &&
    !items.some((item) => item.mask !== undefined);
  if (onThreads) {
    await scoreOnThreads(threads);
  } else {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        if (options.signal?.aborted) {
          aborted = true;
          return;
        }
        const item = items[next++]!;
        await scoreOne(item);
        progress();
      }
    };
    const workers = Math.max(1, Math.min(options.concurrency ?? 16, items.length));
    await Promise.all(Array.from({ length: workers }, worker));
  }
  // Workers finish out of order: report problems in dataset order.
  const order = new Map(items.map((it, i) => [it.id, i]));
  problems.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  let pxap: PxapResult | undefined;
  let pxapError: string | undefined;
  if (pxapEvaluator.imageCount > 0) {
    try {
      pxap = pxapEvaluator.compute();
    } catch (e) {
      pxapError = e instanceof CamLocalizeError ? e.message : describeError(e);
    }
  }
  return {
    metrics: evaluator.compute(),
    ...(pxap === undefined ? {} : { pxap }),
    ...(pxapError === undefined ? {} : { pxapError }),
    total: items.length,
    scored,
    problems,
    problemCounts,
    resized,
    clippedBoxes,
    zeroAreaBoxes,
    outsideBoxes,
    nonFiniteMaps,
    aborted,
    protocol: WSOL_PROTOCOL.name,
    states: { boxAccuracy: evaluator.state(), pxap: pxapEvaluator.state() },
  };
}
