import type { CamModel, RgbImage } from '@cam-localize/core';
import { renderOverlay } from './artifacts.js';
import type { ImageEvaluator } from './image-evaluator.js';
import type { JsonBox, RunRecord } from './records.js';

const toBox = ([x0, y0, x1, y1]: JsonBox) => ({ x0, y0, x1, y1 });

/**
 * Re-renders a record's overlay for the report gallery: the image runs through the model again
 * (a handful of images, not the dataset), and the CAM of the class the record was scored with is
 * drawn with its predicted boxes (green) and the ground truth (red). `checkPath` vets the path a
 * record names before it is opened (`report` reads records back from a folder anyone can edit).
 */
export function galleryRenderer(
  model: CamModel,
  evaluator: ImageEvaluator,
  checkPath: (id: string, file: string) => string = (_id, file) => file,
): (record: RunRecord) => Promise<RgbImage> {
  return async (record) => {
    const prepared = await model.prepare(checkPath(record.id, record.file), record.id, true);
    const [inference] = await model.infer([prepared]);
    const shown = record.groundTruth ?? record.predicted;
    if (inference === undefined || shown === undefined || prepared.image === undefined) {
      throw new Error('nothing to render');
    }
    const map = await evaluator.mapOf(inference, shown.class);
    return renderOverlay(
      prepared.image,
      map,
      prepared.geometry,
      shown.boxes.map(toBox),
      (record.gtBoxes ?? []).map(toBox),
    );
  };
}
