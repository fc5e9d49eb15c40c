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
  type ScoreMap,
  UsageError,
} from '@cam-localize/core';
import {
  type DatasetItem,
  type EvaluationProtocol,
  type FramedBoxes,
  groundTruthInFrame,
  MetricSet,
  maxIou,
  storedSizeMismatch,
  wsolMapInFrame,
} from '@cam-localize/eval';
import {
  type BoxMode,
  DEFAULT_THRESHOLD,
  type ThresholdSpec,
  thresholdGrid,
  wsolBoxes,
} from '@cam-localize/localize';
import { boxToJson, localizeCam } from './localize-cam.js';
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
  /** Its values before float32 rounding (wsolevaluation normalises in float64), for PxAP as eval reads them. */
  readonly evalValues?: Float64Array;
  /** Boxes in the evaluation frame. */
  readonly evalBoxes: Box[];
  /** The same boxes in original pixels. */
  readonly boxes: Box[];
}

/**
 * Everything `run` does to one image after the forward pass: the CAMs of the top-1 and the
 * ground-truth class, their boxes at the chosen threshold, and what the image adds to each metric
 * of eval's table (`MetricSet.observe`: the localization decisions, the per-threshold correctness
 * MaxBoxAcc needs, PxAP's histograms), all under one protocol (wsolevaluation's frame and
 * conventions, or the tool's). The run's metrics are replayed from the records this writes, so a
 * resumed run counts every image exactly once.
 */
export class ImageEvaluator {
  private readonly metrics: MetricSet;

  constructor(
    private readonly model: CamSource,
    readonly protocol: EvaluationProtocol,
    private readonly settings: ImageEvaluationSettings,
  ) {
    if (protocol.name === 'wsolevaluation' && settings.threshold.kind !== 'fraction') {
      throw new UsageError(
        '--protocol wsolevaluation takes --threshold as a fraction of the maximum (e.g. 0.2)',
      );
    }
    this.metrics = new MetricSet({
      protocol,
      thresholds: thresholdGrid(protocol.thresholdInterval),
      command: 'run',
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
        `ground-truth class ${gtClass} is outside the model's ${inference.scores.length} classes`,
        {
          hint: 'the dataset class indices must follow the model output order',
        },
      );
    }
    const gt = this.groundTruthOf(item, inference);
    const gtEval = gt.inFrame;

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

    // Every metric judges the GT class's CAM; without a known class (class-agnostic data), the
    // top-1's. Its map is in the input frame, so its ground truth goes there too (the tool's mode
    // scores single boxes in original pixels).
    const judged = truth ?? predicted;
    const observed = await this.metrics.observe({
      item,
      gtBoxes: gtEval,
      map: judged.evalMap,
      ...(judged.evalValues === undefined ? {} : { values: judged.evalValues }),
      gtBoxesOfMap:
        this.protocol.gtBoxes === 'resize-truncate' ? gtEval : gt.boxes.map((b) => boxToInput(geometry, b)),
      boxes: judged.evalBoxes,
      predictedBoxes: predicted.evalBoxes,
      gtClass: gtClass ?? -1,
      ranked: Array.from(inference.ranked),
    });

    const record: RunRecord = {
      id: item.id,
      file: item.file,
      status: 'ok',
      width: geometry.originalWidth,
      height: geometry.originalHeight,
      ...(gtClass === undefined ? {} : { gtClass }),
      ...(gtClass !== undefined && nameOf(gtClass) !== undefined ? { gtName: nameOf(gtClass)! } : {}),
      ...(item.boxes.length > 0 ? { gtBoxes: gt.boxes.map(boxToJson) } : {}),
      ...(gt.clipped > 0 ? { clippedBoxes: gt.clipped } : {}),
      ...(gt.zeroArea > 0 ? { zeroAreaBoxes: gt.zeroArea } : {}),
      ...(gt.outside > 0 ? { outsideBoxes: gt.outside } : {}),
      ...(item.missingGroundTruth ? { missingGroundTruth: item.missingGroundTruth } : {}),
      top: Array.from(inference.ranked, (c) => ({
        class: c,
        ...(nameOf(c) === undefined ? {} : { name: nameOf(c)! }),
        score: inference.scores[c]!,
      })),
      predicted: predictedResult,
      ...(truthResult ? { groundTruth: truthResult } : {}),
      ...observed,
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
    const gtEval = this.groundTruthOf(item, inference).inFrame;
    const iou = gtEval.length > 0 ? maxIou(framed.evalBoxes, gtEval, this.protocol.iou) : undefined;
    return classResult(classIndex, nameOf(classIndex), framed.boxes, iou);
  }

  /** A feature-grid map in the evaluation frame, with its boxes at the chosen threshold. */
  private frame(map: ScoreMap, inference: Inference): Framed {
    const { geometry } = inference.prepared;
    if (this.protocol.name === 'wsolevaluation') {
      const inFrame = wsolMapInFrame(map, { width: geometry.inputWidth, height: geometry.inputHeight });
      const evalMap = {
        width: inFrame.width,
        height: inFrame.height,
        data: Float32Array.from(inFrame.values),
      };
      const threshold =
        this.settings.threshold.kind === 'fraction' ? this.settings.threshold.value : DEFAULT_THRESHOLD.value;
      const evalBoxes = wsolBoxes(evalMap, threshold, { multiContour: this.settings.mode === 'all' });
      return {
        evalMap,
        evalValues: inFrame.values,
        evalBoxes,
        boxes: evalBoxes.map((b) => boxToOriginal(geometry, b)),
      };
    }
    const localized = localizeCam(map, geometry, {
      ...this.settings,
      upsample: this.protocol.upsample,
      ...(this.settings.camOptions?.compat === undefined ? {} : { compat: this.settings.camOptions.compat }),
    });
    // Tool mode scores boxes in original pixels; MaxBoxAcc runs on the input-frame map, which is
    // ours (fresh from resampling): normalised in place, in float32.
    minMaxInPlace(localized.inputMap.data);
    return { evalMap: localized.inputMap, evalBoxes: localized.boxes, boxes: localized.boxes };
  }

  /**
   * The item's ground-truth boxes clipped to its image (the dataset's size, else the decoded one),
   * the one rule (eval's protocol frame) every metric sees, and in the frame the protocol scores
   * localization in.
   */
  private groundTruthOf(item: DatasetItem, inference: Inference): FramedBoxes {
    const { originalWidth, originalHeight, inputWidth, inputHeight } = inference.prepared.geometry;
    return groundTruthInFrame(
      item.boxes,
      { width: item.width ?? originalWidth, height: item.height ?? originalHeight },
      { width: inputWidth, height: inputHeight },
      this.protocol.gtBoxes,
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
