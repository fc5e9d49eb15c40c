/**
 * The record `run` makes of one image: the evaluation of its predicted and ground-truth classes,
 * any further --target classes, the saved maps and overlay, the --faithfulness metrics and the
 * feature-grid maps.
 */
import { type Box, CamError, type Inference, resolveTargets } from '@cam-localize/core';
import { clipBoxesToImage, type DatasetItem } from '@cam-localize/eval';
import { type FaithfulnessJson, type FaithfulnessSession, FaithfulnessStep } from './faithfulness-step.js';
import { packGridMaps } from './grid-maps.js';
import { ImageArtifacts } from './image-artifacts.js';
import { type CamSource, type ImageEvaluation, ImageEvaluator } from './image-evaluator.js';
import type { ImageRecordMaker, RunWork, WorkItem } from './image-work-settings.js';
import type { ClassResult, RunRecord } from './records.js';

export class RunImageRecords implements ImageRecordMaker {
  private readonly evaluator: ImageEvaluator;
  private readonly artifacts: ImageArtifacts;
  private readonly faithfulness: FaithfulnessStep | undefined;

  /** `session`: forward passes for --faithfulness (only where the session is). */
  constructor(
    private readonly work: RunWork,
    source: CamSource,
    session?: FaithfulnessSession,
  ) {
    this.artifacts = new ImageArtifacts(work);
    this.faithfulness =
      work.faithfulness === undefined || session === undefined
        ? undefined
        : new FaithfulnessStep(work.faithfulness, session, work.camOptions.compat);
    this.evaluator = new ImageEvaluator(source, work.protocol, {
      threshold: work.threshold,
      mode: work.mode,
      connectivity: work.connectivity,
      minArea: work.minArea,
      method: work.method,
      normalization: work.normalization,
      camOptions: work.camOptions,
    });
  }

  async record(inference: Inference, workItem: WorkItem): Promise<RunRecord> {
    // run's items are its dataset's: the pipeline carries them as they were given.
    const item = workItem as DatasetItem;
    const result = await this.evaluator.evaluate(inference, item, this.artifacts.nameOf);
    const extraTargets = await this.targets(inference, item, result);
    await this.overlay(inference, item, result);
    const faithfulness = await this.faithfulnessOf(inference, result);
    const gridMaps = this.work.gridMaps ? this.gridMaps(inference, item, result) : undefined;
    return {
      ...result.record,
      ...(extraTargets.length > 0 ? { targets: extraTargets } : {}),
      ...(faithfulness === undefined ? {} : { faithfulness }),
      ...(gridMaps === undefined ? {} : { gridMaps }),
    };
  }

  /** Saves each target's map; returns the results of the targets the record does not hold yet. */
  private async targets(
    inference: Inference,
    item: DatasetItem,
    result: ImageEvaluation,
  ): Promise<ClassResult[]> {
    const extraTargets: ClassResult[] = [];
    // An image stripped of its ground truth (it counts in no metric) has no class to target.
    const classes =
      item.missingGroundTruth && this.work.target.kind === 'gt'
        ? []
        : resolveTargets(this.work.target, inference.scores, item.classIndex);
    for (const [t, classIndex] of classes.entries()) {
      const map = await this.evaluator.mapOf(inference, classIndex, result);
      await this.artifacts.saveMap(inference, item, { t, classIndex, map }, this.work.protocol.upsample);
      if (t > 0 || (classIndex !== result.predicted.class && classIndex !== result.groundTruth?.class)) {
        extraTargets.push(
          this.evaluator.classResult(inference, classIndex, map, item, this.artifacts.nameOf),
        );
      }
    }
    return extraTargets;
  }

  /** The overlay of the ground-truth class (else the predicted one), its boxes and the ground truth. */
  private async overlay(inference: Inference, item: DatasetItem, result: ImageEvaluation): Promise<void> {
    if (!this.artifacts.wantsOverlay(inference)) return;
    const shown = result.groundTruth ?? result.predicted;
    const map = await this.evaluator.mapOf(inference, shown.class, result);
    const found = shown.boxes.map(([x0, y0, x1, y1]): Box => ({ x0, y0, x1, y1 }));
    await this.artifacts.writeOverlay(inference, item, { classIndex: shown.class, map, found }, item.boxes);
  }

  /** --faithfulness: the metrics of the predicted class's map. */
  private async faithfulnessOf(
    inference: Inference,
    result: ImageEvaluation,
  ): Promise<FaithfulnessJson | undefined> {
    if (this.work.faithfulness === undefined) return undefined;
    if (this.faithfulness === undefined)
      throw new CamError('--faithfulness needs the model session on this thread');
    const explained = result.predicted.class;
    const map = await this.evaluator.mapOf(inference, explained, result);
    return await this.faithfulness.evaluate(inference, explained, map);
  }

  /** The maps of the predicted and ground-truth classes, with the ground truth clipped to the image. */
  private gridMaps(inference: Inference, item: DatasetItem, result: ImageEvaluation) {
    const { geometry } = inference.prepared;
    const shownClasses = [result.predicted.class, result.groundTruth?.class];
    return packGridMaps(
      [...result.maps].filter(([c]) => shownClasses.includes(c)),
      geometry,
      clipBoxesToImage(
        item.boxes,
        item.width ?? geometry.originalWidth,
        item.height ?? geometry.originalHeight,
      ).boxes,
    );
  }
}
