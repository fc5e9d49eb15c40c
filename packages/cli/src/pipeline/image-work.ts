/**
 * What `run` and `predict` do to one image after its forward pass: the CAMs of the classes asked
 * for, their boxes, the evaluation (run), the saved maps and overlays, and the record that goes
 * into results.jsonl. The same code runs on the pipeline's worker threads (CAMs from the head's
 * weights) and on the main thread (methods that need the session, or `--workers 0`), so the
 * records are identical whichever thread made them.
 */
import {
  type CamCompat,
  CamError,
  type CamMethodName,
  type CamMethodOptions,
  type CamOnDevice,
  type CamRequest,
  describeError,
  type Inference,
  ModelError,
  type Normalization,
  type RgbImage,
  resolveTargets,
  type ScoreMap,
  type TargetSpec,
} from '@cam-localize/core';
import type { DeviceCamRequest } from '@cam-localize/core/workers';
import { clipBoxesToImage, type DatasetItem, type EvaluationProtocol } from '@cam-localize/eval';
import type { BoxMode, ThresholdSpec } from '@cam-localize/localize';
import {
  type CamSize,
  mapAtSize,
  type OverlayStyle,
  overlayLabel,
  renderOverlay,
  saveCam,
  saveOverlay,
} from './artifacts.js';
import {
  type FaithfulnessJson,
  type FaithfulnessSession,
  FaithfulnessStep,
  type FaithfulnessWork,
} from './faithfulness-step.js';
import { packGridMaps } from './grid-maps.js';
import { type CamSource, ImageEvaluator } from './image-evaluator.js';
import { boxToJson, localizeCam } from './localize-cam.js';
import type { RunRecord } from './records.js';

/** Settings shared by run and predict: plain data, so they cross to the worker threads as they are. */
interface CommonWork {
  readonly method: CamMethodName;
  readonly normalization: Normalization;
  /** The method's options (--compat, --score-cam-channels). */
  readonly camOptions: CamMethodOptions;
  readonly target: TargetSpec;
  readonly threshold: ThresholdSpec;
  readonly mode: BoxMode;
  readonly connectivity: 4 | 8;
  readonly minArea: number;
  readonly saveCams?: { readonly dir: string; readonly size: CamSize };
  readonly overlayDir?: string;
  /** --colormap and --alpha of the overlays (default jet, 0.5). */
  readonly overlayStyle?: OverlayStyle;
  /** Class names by index (labels file or dataset class list); empty when unknown. */
  readonly classNames: readonly (string | null)[];
  /** Pack the feature-grid maps onto each record for grid-maps.jsonl (`cam-localize view`). */
  readonly gridMaps?: boolean;
}

export interface RunWork extends CommonWork {
  readonly command: 'run';
  readonly protocol: EvaluationProtocol;
  /** --faithfulness: metrics of the predicted class's map (on the thread that holds the session). */
  readonly faithfulness?: FaithfulnessWork;
}

export interface PredictWork extends CommonWork {
  readonly command: 'predict';
}

export type ImageWork = RunWork | PredictWork;

/** The item an image came from: a dataset item (run) or a file found by predict. */
export type WorkItem = Pick<DatasetItem, 'id' | 'file'> & Partial<DatasetItem>;

export interface WorkTiming {
  readonly prepareMs: number;
  readonly inferMs: number;
}

/** A record of results.jsonl (run's shape; predict writes a subset of its fields). */
export type ImageRecord = RunRecord | Record<string, unknown>;

/**
 * The targets the graph computes per image under --cam-on-device: the same for every image of a
 * command, so the session gets one [N, T] tensor. -1 - j is the class ranked j + 1 (computed in
 * the graph); run adds the ground-truth class (or the top one again when an image has none).
 */
export function deviceTargets(
  work: Pick<ImageWork, 'command' | 'target'>,
  item: Pick<WorkItem, 'classIndex' | 'missingGroundTruth'>,
): number[] {
  const spec = work.target;
  const extra =
    spec.kind === 'topk'
      ? Array.from({ length: spec.k }, (_, j) => -1 - j)
      : spec.kind === 'class'
        ? [spec.index]
        : spec.kind === 'predicted' || work.command === 'run'
          ? []
          : [item.classIndex ?? -1];
  if (work.command === 'predict') return extra.length > 0 ? extra : [-1];
  const gt =
    item.classIndex !== undefined && item.classIndex >= 0 && !item.missingGroundTruth ? item.classIndex : -1;
  return [-1, gt, ...extra];
}

/** The request for CAMs in the graph that serves a command's work (`--cam-on-device`). */
export function deviceCamRequest(
  work: Pick<ImageWork, 'command' | 'target' | 'method' | 'normalization' | 'camOptions'>,
  mode: CamOnDevice,
): DeviceCamRequest {
  const sample = deviceTargets(work, {});
  return {
    mode,
    method: work.method,
    ...(work.camOptions.compat === undefined ? {} : { compat: work.camOptions.compat }),
    normalization: work.normalization,
    targets: sample.length,
    maxRank: Math.max(5, work.target.kind === 'topk' ? work.target.k : 1),
  };
}

/** Does the per-image work of one command with one CAM source (the head in a worker, or the model). */
export class ImageWorker {
  private readonly evaluator: ImageEvaluator | undefined;
  private readonly request: CamRequest;
  private readonly faithfulness: FaithfulnessStep | undefined;

  /** `session`: forward passes for --faithfulness (only where the session is). */
  constructor(
    readonly work: ImageWork,
    private readonly source: CamSource,
    session?: FaithfulnessSession,
  ) {
    const faithfulness = work.command === 'run' ? work.faithfulness : undefined;
    this.faithfulness =
      faithfulness === undefined || session === undefined
        ? undefined
        : new FaithfulnessStep(faithfulness, session, work.camOptions.compat);
    this.request = { ...work.camOptions, method: work.method, normalization: work.normalization };
    this.evaluator =
      work.command === 'run'
        ? new ImageEvaluator(source, work.protocol, {
            threshold: work.threshold,
            mode: work.mode,
            connectivity: work.connectivity,
            minArea: work.minArea,
            method: work.method,
            normalization: work.normalization,
            camOptions: work.camOptions,
          })
        : undefined;
  }

  private readonly nameOf = (c: number): string | undefined => this.work.classNames[c] ?? undefined;

  /** What resized maps follow: --compat (pytorch-grad-cam min-maxes them again) and the normalisation. */
  private get compat(): { compat?: CamCompat; normalization: Normalization } {
    const { compat } = this.work.camOptions;
    return { ...(compat === undefined ? {} : { compat }), normalization: this.work.normalization };
  }

  /**
   * Writes an image's overlay: the map of `classIndex`, the boxes found and the ground truth, in
   * the run's style, tagged with the class name and score.
   */
  private async writeOverlay(
    dir: string,
    inference: Inference,
    item: WorkItem,
    image: RgbImage,
    map: ScoreMap,
    found: Parameters<typeof renderOverlay>[3],
    truth: Parameters<typeof renderOverlay>[4],
    classIndex: number,
  ): Promise<void> {
    const options: { style?: OverlayStyle; label: string } = {
      ...(this.work.overlayStyle === undefined ? {} : { style: this.work.overlayStyle }),
      label: overlayLabel(classIndex, this.nameOf(classIndex), inference.scores[classIndex]),
    };
    const geometry = inference.prepared.geometry;
    await saveOverlay(dir, item.id, renderOverlay(image, map, geometry, found, truth, options));
  }

  /** The record of one image; an error in its work becomes an error record (the run goes on). */
  async process(inference: Inference, item: WorkItem, timing: WorkTiming): Promise<ImageRecord> {
    const started = performance.now();
    try {
      assertFiniteScores(inference.scores, item.file);
      const record =
        this.evaluator === undefined
          ? await this.predict(inference, item)
          : await this.evaluate(this.evaluator, inference, item as DatasetItem);
      return { ...record, timing: { ...timing, camMs: performance.now() - started } };
    } catch (error) {
      return errorRecord(item, error);
    }
  }

  private async evaluate(
    evaluator: ImageEvaluator,
    inference: Inference,
    item: DatasetItem,
  ): Promise<RunRecord> {
    const work = this.work as RunWork;
    const result = await evaluator.evaluate(inference, item, this.nameOf);
    const { geometry, image } = inference.prepared;
    const extraTargets = [];
    // An image stripped of its ground truth (it counts in no metric) has no class to target.
    const classes =
      item.missingGroundTruth && work.target.kind === 'gt'
        ? []
        : resolveTargets(work.target, inference.scores, item.classIndex);
    for (const [t, classIndex] of classes.entries()) {
      const map = await evaluator.mapOf(inference, classIndex, result);
      if (work.saveCams !== undefined) {
        const id = t === 0 ? item.id : `${item.id}.class${classIndex}`;
        await saveCam(
          work.saveCams.dir,
          id,
          mapAtSize(map, work.saveCams.size, geometry, work.protocol.upsample, this.compat),
        );
      }
      if (t > 0 || (classIndex !== result.predicted.class && classIndex !== result.groundTruth?.class)) {
        extraTargets.push(evaluator.classResult(inference, classIndex, map, item, this.nameOf));
      }
    }
    if (work.overlayDir !== undefined && image !== undefined) {
      const shown = result.groundTruth ?? result.predicted;
      const map = await evaluator.mapOf(inference, shown.class, result);
      await this.writeOverlay(
        work.overlayDir,
        inference,
        item,
        image,
        map,
        shown.boxes.map(toBox),
        item.boxes,
        shown.class,
      );
    }
    let faithfulness: FaithfulnessJson | undefined;
    if (work.faithfulness !== undefined) {
      if (this.faithfulness === undefined)
        throw new CamError('E_CAM', '--faithfulness needs the model session on this thread');
      const explained = result.predicted.class;
      const map = await evaluator.mapOf(inference, explained, result);
      faithfulness = await this.faithfulness.evaluate(inference, explained, map);
    }
    const shownClasses = [result.predicted.class, result.groundTruth?.class];
    const gridMaps = work.gridMaps
      ? packGridMaps(
          [...result.maps].filter(([c]) => shownClasses.includes(c)),
          geometry,
          clipBoxesToImage(
            item.boxes,
            item.width ?? geometry.originalWidth,
            item.height ?? geometry.originalHeight,
          ).boxes,
        )
      : undefined;
    return {
      ...result.record,
      ...(extraTargets.length > 0 ? { targets: extraTargets } : {}),
      ...(faithfulness === undefined ? {} : { faithfulness }),
      ...(gridMaps === undefined ? {} : { gridMaps }),
    };
  }

  private async predict(inference: Inference, item: WorkItem): Promise<Record<string, unknown>> {
    const work = this.work;
    const { geometry, image } = inference.prepared;
    const named = (c: number) => (this.nameOf(c) === undefined ? {} : { name: this.nameOf(c) });
    const targets = [];
    const maps: [number, ScoreMap][] = [];
    for (const [t, classIndex] of resolveTargets(work.target, inference.scores).entries()) {
      const map: ScoreMap = await this.source.cam(inference, classIndex, this.request);
      maps.push([classIndex, map]);
      const localized = localizeCam(map, geometry, {
        threshold: work.threshold,
        mode: work.mode,
        connectivity: work.connectivity,
        minArea: work.minArea,
        upsample: 'bilinear',
        ...this.compat,
      });
      if (work.saveCams !== undefined) {
        const id = t === 0 ? item.id : `${item.id}.class${classIndex}`;
        await saveCam(
          work.saveCams.dir,
          id,
          mapAtSize(map, work.saveCams.size, geometry, 'bilinear', this.compat),
        );
      }
      if (work.overlayDir !== undefined && t === 0 && image !== undefined) {
        await this.writeOverlay(
          work.overlayDir,
          inference,
          item,
          image,
          map,
          localized.boxes,
          [],
          classIndex,
        );
      }
      targets.push({
        class: classIndex,
        ...named(classIndex),
        score: inference.scores[classIndex],
        boxes: localized.boxes.map(boxToJson),
      });
    }
    return {
      id: item.id,
      file: item.file,
      status: 'ok',
      width: geometry.originalWidth,
      height: geometry.originalHeight,
      top: Array.from(inference.ranked, (c) => ({ class: c, ...named(c), score: inference.scores[c] })),
      targets,
      ...(work.gridMaps ? { gridMaps: packGridMaps(maps, geometry) } : {}),
    };
  }
}

/**
 * Non-finite scores (a NaN or an infinity: e.g. a preprocessing std near 0 making infinite inputs,
 * or an overflow inside the model) fail the image: its CAMs, boxes and decisions would be made of
 * NaNs and score 0 silently. One pass over the scores.
 */
export function assertFiniteScores(scores: Float32Array, file: string): void {
  let bad = 0;
  let first = -1;
  for (let c = 0; c < scores.length; c++) {
    const score = scores[c]!;
    if (score - score !== 0) {
      bad++;
      if (first < 0) first = c;
    }
  }
  if (bad === 0) return;
  throw new ModelError(
    'E_SESSION',
    `the model gave ${bad} non-finite class score${bad === 1 ? '' : 's'} of ${scores.length} ` +
      `(class ${first}: ${scores[first]}) for this image`,
    {
      file,
      hint: 'check the preprocessing (a std near 0 makes infinite inputs: `cam-localize inspect` shows it) and the model',
    },
  );
}

/** The record of an image whose work failed. */
export function errorRecord(item: WorkItem, error: unknown): RunRecord {
  return { id: item.id, file: item.file, status: 'error', error: describeError(error) };
}

const toBox = ([x0, y0, x1, y1]: [number, number, number, number]) => ({ x0, y0, x1, y1 });
