import {
  type Box,
  boxToInput,
  boxToOriginal,
  type CamMethodName,
  type CamMethodOptions,
  type CamRequest,
  type Inference,
  minMaxInPlace,
  type Normalization,
  resampleScoreMap,
  type ScoreMap,
  UsageError,
} from '@cam-localize/core';
import {
  BoxAccuracyEvaluator,
  type ClippedBoxes,
  clipBoxesToImage,
  type DatasetItem,
  type EvaluationProtocol,
  LocalizationAccuracyEvaluator,
  maxIou,
  normalizeMinMaxWsol,
  resizeBoxWsol,
  storedSizeMismatch,
} from '@cam-localize/eval';
import {
  type BoxMode,
  DEFAULT_THRESHOLD,
  type ThresholdSpec,
  thresholdGrid,
  wsolBoxes,
} from '@cam-localize/localize';
import { boxToJson, localizeCam } from './localize-cam.js';
import { pxapOfImage } from './pxap-record.js';
import type { ClassResult, RunRecord } from './records.js';

export interface ImageEvaluationSettings {
  readonly threshold: ThresholdSpec;
  readonly mode: BoxMode;
  readonly connectivity: 4 | 8;
  readonly minArea: number;
  readonly method: CamMethodName;
  readonly normalization: Normalization;
  /** The method's options (--compat, --score-cam-channels). */
  readonly camOptions?: CamMethodOptions;
}

/** Where CAMs come from: the model (main thread) or its head alone (a pipeline worker). */
export interface CamSource {
  cam(inference: Inference, classIndex: number, request: CamRequest): Promise<ScoreMap>;
}

/** What evaluating one image produced: its record, and the maps made on the way (for reuse). */
export interface ImageEvaluation {
  readonly record: RunRecord;
  readonly predicted: ClassResult;
  readonly groundTruth: ClassResult | undefined;
  readonly maps: Map<number, ScoreMap>;
}

interface Framed {
  /** The map in the evaluation frame (the model input), normalised as the protocol says. */
  readonly evalMap: ScoreMap;
  /** Boxes in the evaluation frame. */
  readonly evalBoxes: Box[];
  /** The same boxes in original pixels. */
  readonly boxes: Box[];
}

/**
 * Everything `run` does to one image after the forward pass: the CAMs of the top-1 and the
 * ground-truth class, their boxes at the chosen threshold, the localization decisions (GT-known,
 * Top-1, Top-5) and the per-threshold correctness MaxBoxAcc needs, all under one protocol
 * (wsolevaluation's frame and conventions, or the tool's). The run's metrics are replayed from
 * the records this writes, so a resumed run counts every image exactly once.
 */
export class ImageEvaluator {
  private readonly decisions: LocalizationAccuracyEvaluator;
  readonly boxAccuracy: BoxAccuracyEvaluator;

  constructor(
    private readonly model: CamSource,
    readonly protocol: EvaluationProtocol,
    private readonly settings: ImageEvaluationSettings,
  ) {
    if (protocol.name === 'wsolevaluation' && settings.threshold.kind !== 'fraction') {
      throw new UsageError(
        'E_USAGE',
        '--protocol wsolevaluation takes --threshold as a fraction of the maximum (e.g. 0.2)',
      );
    }
    this.decisions = new LocalizationAccuracyEvaluator({ iou: protocol.iou });
    this.boxAccuracy = new BoxAccuracyEvaluator({
      thresholds: thresholdGrid(protocol.thresholdInterval),
      iouThresholds: protocol.iouThresholds,
      multiContour: protocol.multiContour,
    });
  }

  /** The feature-grid CAM of a class, computed once per image. */
  async mapOf(
    inference: Inference,
    classIndex: number,
    evaluation?: { maps: Map<number, ScoreMap> },
  ): Promise<ScoreMap> {
    const cached = evaluation?.maps.get(classIndex);
    if (cached) return cached;
    const { method, normalization, camOptions } = this.settings;
    const map = await this.model.cam(inference, classIndex, { ...camOptions, method, normalization });
    evaluation?.maps.set(classIndex, map);
    return map;
  }

  async evaluate(
    inference: Inference,
    item: DatasetItem,
    nameOf: (c: number) => string | undefined,
  ): Promise<ImageEvaluation> {
    const maps = new Map<number, ScoreMap>();
    const { geometry } = inference.prepared;
    // Boxes are rescaled by the stored size: one that is not the image's fails the image (file:line).
    const mismatch = storedSizeMismatch(item, {
      width: geometry.originalWidth,
      height: geometry.originalHeight,
    });
    if (mismatch !== undefined) throw mismatch;
    const predictedClass = inference.ranked[0]!;
    const gtClass = item.classIndex !== undefined && item.classIndex >= 0 ? item.classIndex : undefined;
    if (gtClass !== undefined && gtClass >= inference.scores.length) {
      throw new UsageError(
        'E_USAGE',
        `ground-truth class ${gtClass} is outside the model's ${inference.scores.length} classes`,
        {
          hint: 'the dataset class indices must follow the model output order',
        },
      );
    }
    const gtEval = this.groundTruthInFrame(item, geometry.originalWidth, geometry.originalHeight, inference);

    const predicted = this.frame(await this.mapOf(inference, predictedClass, { maps }), inference);
    const truth =
      gtClass === undefined
        ? undefined
        : gtClass === predictedClass
          ? predicted
          : this.frame(await this.mapOf(inference, gtClass, { maps }), inference);

    const iouOf = (framed: Framed) =>
      gtEval.length > 0 ? maxIou(framed.evalBoxes, gtEval, this.protocol.iou) : undefined;
    const predictedResult = classResult(
      predictedClass,
      nameOf(predictedClass),
      predicted.boxes,
      iouOf(predicted),
    );
    const truthResult =
      truth && gtClass !== undefined
        ? classResult(gtClass, nameOf(gtClass), truth.boxes, iouOf(truth))
        : undefined;

    let loc: RunRecord['loc'];
    let boxAcc: RunRecord['boxAcc'];
    if (gtEval.length > 0) {
      const decided = this.decisions.accumulate({
        boxes: (truth ?? predicted).evalBoxes,
        predictedBoxes: predicted.evalBoxes,
        gtBoxes: gtEval,
        gtClass: gtClass ?? -1,
        topK: Array.from(inference.ranked),
      });
      loc = {
        gtKnownLoc: decided.gtKnownLoc > 0,
        top1Loc: decided.top1Loc > 0,
        topKLoc: decided.topKLoc > 0,
        top1Cls: decided.top1Cls > 0,
        topKCls: decided.topKCls > 0,
        predictedClassLoc: decided.predictedClassLoc > 0,
      };
      // MaxBoxAcc localises the GT class's CAM; without a known class (class-agnostic data), the top-1's.
      // The map is in the input frame, so its ground truth goes there too (the tool's mode scores
      // single boxes in original pixels).
      const gtOfMap = this.protocol.gtBoxes === 'resize-truncate' ? gtEval : this.gtInInput(item, inference);
      boxAcc = correctRanges(
        this.boxAccuracy.imageScores((truth ?? predicted).evalMap, gtOfMap),
        this.protocol.iouThresholds,
      );
    }

    // PxAP scores the same map as MaxBoxAcc, against the mask read as `eval` reads it.
    const pxap =
      item.mask === undefined
        ? undefined
        : await pxapOfImage((truth ?? predicted).evalMap, item, this.boxAccuracy.thresholds);
    const clipped = this.clippedGroundTruth(item, inference);

    const record: RunRecord = {
      id: item.id,
      file: item.file,
      status: 'ok',
      width: geometry.originalWidth,
      height: geometry.originalHeight,
      ...(gtClass === undefined ? {} : { gtClass }),
      ...(gtClass !== undefined && nameOf(gtClass) !== undefined ? { gtName: nameOf(gtClass)! } : {}),
      ...(item.boxes.length > 0 ? { gtBoxes: clipped.boxes.map(boxToJson) } : {}),
      ...(clipped.clipped > 0 ? { clippedBoxes: clipped.clipped } : {}),
      ...(clipped.zeroArea > 0 ? { zeroAreaBoxes: clipped.zeroArea } : {}),
      ...(clipped.outside > 0 ? { outsideBoxes: clipped.outside } : {}),
      ...(item.missingGroundTruth ? { missingGroundTruth: item.missingGroundTruth } : {}),
      top: Array.from(inference.ranked, (c) => ({
        class: c,
        ...(nameOf(c) === undefined ? {} : { name: nameOf(c)! }),
        score: inference.scores[c]!,
      })),
      predicted: predictedResult,
      ...(truthResult ? { groundTruth: truthResult } : {}),
      ...(loc ? { loc } : {}),
      ...(boxAcc ? { boxAcc } : {}),
      ...(pxap ? { pxap } : {}),
    };
    return { record, predicted: predictedResult, groundTruth: truthResult, maps };
  }

  /** A further target's boxes (for --target topk:K or a fixed class). */
  classResult(
    inference: Inference,
    classIndex: number,
    map: ScoreMap,
    item: DatasetItem,
    nameOf: (c: number) => string | undefined,
  ): ClassResult {
    const framed = this.frame(map, inference);
    const { geometry } = inference.prepared;
    const gtEval = this.groundTruthInFrame(item, geometry.originalWidth, geometry.originalHeight, inference);
    const iou = gtEval.length > 0 ? maxIou(framed.evalBoxes, gtEval, this.protocol.iou) : undefined;
    return classResult(classIndex, nameOf(classIndex), framed.boxes, iou);
  }

  /** A feature-grid map in the evaluation frame, with its boxes at the chosen threshold. */
  private frame(map: ScoreMap, inference: Inference): Framed {
    const { geometry } = inference.prepared;
    if (this.protocol.name === 'wsolevaluation') {
      const evalMap = normalizeMinMaxWsol(
        resampleScoreMap(map, geometry.inputWidth, geometry.inputHeight, 'bicubic'),
      );
      const threshold =
        this.settings.threshold.kind === 'fraction' ? this.settings.threshold.value : DEFAULT_THRESHOLD.value;
      const evalBoxes = wsolBoxes(evalMap, threshold, { multiContour: this.settings.mode === 'all' });
      return { evalMap, evalBoxes, boxes: evalBoxes.map((b) => boxToOriginal(geometry, b)) };
    }
    const localized = localizeCam(map, geometry, { ...this.settings, upsample: this.protocol.upsample });
    // Tool mode scores boxes in original pixels; MaxBoxAcc runs on the input-frame map, which is
    // ours (fresh from resampling): normalised in place, in float32.
    minMaxInPlace(localized.inputMap.data);
    return { evalMap: localized.inputMap, evalBoxes: localized.boxes, boxes: localized.boxes };
  }

  /**
   * The item's ground-truth boxes clipped to its image (the dataset's size, else the decoded one):
   * the one rule (eval's ground-truth.ts) every metric below sees.
   */
  private clippedGroundTruth(item: DatasetItem, inference: Inference): ClippedBoxes {
    const { originalWidth, originalHeight } = inference.prepared.geometry;
    return clipBoxesToImage(item.boxes, item.width ?? originalWidth, item.height ?? originalHeight);
  }

  /** Ground-truth boxes in the frame the protocol scores localization in. */
  private groundTruthInFrame(item: DatasetItem, width: number, height: number, inference: Inference): Box[] {
    const { boxes } = this.clippedGroundTruth(item, inference);
    if (this.protocol.gtBoxes === 'resize-truncate') {
      const { inputWidth, inputHeight } = inference.prepared.geometry;
      const w = item.width ?? width;
      const h = item.height ?? height;
      return boxes.map((b) => resizeBoxWsol(b, w, h, inputWidth, inputHeight));
    }
    return boxes;
  }

  /** MaxBoxAcc's map frame for tool mode: GT boxes in model-input pixels (clipped to the crop). */
  private gtInInput(item: DatasetItem, inference: Inference): Box[] {
    return this.clippedGroundTruth(item, inference).boxes.map((b) =>
      boxToInput(inference.prepared.geometry, b),
    );
  }
}

function classResult(
  classIndex: number,
  name: string | undefined,
  boxes: Box[],
  iou: number | undefined,
): ClassResult {
  return {
    class: classIndex,
    ...(name === undefined ? {} : { name }),
    boxes: boxes.map(boxToJson),
    ...(iou === undefined ? {} : { iou }),
  };
}

/**
 * Per IoU level, the threshold-index ranges [start, end) where the image's best IoU reaches the
 * level: a compact, exact account of this image's contribution to every BoxAcc curve.
 */
export function correctRanges(
  scores: ArrayLike<number>,
  levels: readonly number[],
): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const level of levels) {
    const cut = level / 100;
    const ranges: [number, number][] = [];
    let start = -1;
    for (let t = 0; t <= scores.length; t++) {
      const correct = t < scores.length && scores[t]! >= cut;
      if (correct && start < 0) start = t;
      else if (!correct && start >= 0) {
        ranges.push([start, t]);
        start = -1;
      }
    }
    out[String(level)] = ranges;
  }
  return out;
}

/** Rebuilds a per-threshold score array from correctness ranges (for evaluator replay). */
export function scoresFromRanges(
  ranges: Record<string, [number, number][]>,
  levels: readonly number[],
  count: number,
): Float64Array {
  const scores = new Float64Array(count);
  for (const level of levels) {
    for (const [start, end] of ranges[String(level)] ?? []) {
      for (let t = start; t < end && t < count; t++) if (scores[t]! < level / 100) scores[t] = level / 100;
    }
  }
  return scores;
}
