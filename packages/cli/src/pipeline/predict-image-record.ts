/**
 * The record `predict` makes of one image: the top classes, and for each --target class its map's
 * boxes (no ground truth to judge them by), with the saved maps, the overlay of the first target
 * and the feature-grid maps.
 */
import { type CamRequest, type Inference, resolveTargets, type ScoreMap } from '@cam-localize/core';
import { packGridMaps } from './grid-maps.js';
import { ImageArtifacts } from './image-artifacts.js';
import type { CamSource } from './image-evaluator.js';
import type { ImageRecordMaker, PredictWork, WorkItem } from './image-work-settings.js';
import { boxToJson, localizeCam } from './localize-cam.js';
import type { PredictedClass, PredictRecord } from './records.js';

/** predict's maps are upsampled bilinearly (run's follow its protocol). */
const UPSAMPLE = 'bilinear';

export class PredictImageRecords implements ImageRecordMaker {
  private readonly artifacts: ImageArtifacts;
  private readonly request: CamRequest;

  constructor(
    private readonly work: PredictWork,
    private readonly source: CamSource,
  ) {
    this.artifacts = new ImageArtifacts(work);
    this.request = { ...work.camOptions, method: work.method, normalization: work.normalization };
  }

  private named(c: number): { name?: string } {
    const name = this.artifacts.nameOf(c);
    return name === undefined ? {} : { name };
  }

  async record(inference: Inference, item: WorkItem): Promise<PredictRecord> {
    const { geometry } = inference.prepared;
    const targets: PredictedClass[] = [];
    const maps: [number, ScoreMap][] = [];
    for (const [t, classIndex] of resolveTargets(this.work.target, inference.scores).entries()) {
      const map = await this.source.cam(inference, classIndex, this.request);
      maps.push([classIndex, map]);
      targets.push(await this.target(inference, item, { t, classIndex, map }));
    }
    return {
      id: item.id,
      file: item.file,
      status: 'ok',
      width: geometry.originalWidth,
      height: geometry.originalHeight,
      top: Array.from(inference.ranked, (c) => ({ class: c, ...this.named(c), score: inference.scores[c]! })),
      targets,
      ...(this.work.gridMaps ? { gridMaps: packGridMaps(maps, geometry) } : {}),
    };
  }

  /** One target's boxes, its saved map, and (the first target's) overlay. */
  private async target(
    inference: Inference,
    item: WorkItem,
    target: { readonly t: number; readonly classIndex: number; readonly map: ScoreMap },
  ): Promise<PredictedClass> {
    const { t, classIndex, map } = target;
    const localized = localizeCam(map, inference.prepared.geometry, {
      threshold: this.work.threshold,
      mode: this.work.mode,
      connectivity: this.work.connectivity,
      minArea: this.work.minArea,
      upsample: UPSAMPLE,
      ...this.artifacts.compat,
    });
    await this.artifacts.saveMap(inference, item, target, UPSAMPLE);
    if (t === 0 && this.artifacts.wantsOverlay(inference)) {
      await this.artifacts.writeOverlay(inference, item, { classIndex, map, found: localized.boxes }, []);
    }
    return {
      class: classIndex,
      ...this.named(classIndex),
      score: inference.scores[classIndex]!,
      boxes: localized.boxes.map(boxToJson),
    };
  }
}
