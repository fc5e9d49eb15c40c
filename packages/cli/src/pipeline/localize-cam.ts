import {
  type Box,
  boxToOriginal,
  type CamCompat,
  type ImageGeometry,
  type Normalization,
  type ResampleMethod,
  resampleScoreMap,
  type ScoreMap,
} from '@cam-localize/core';
import { compatAfterResize } from '@cam-localize/core/workers';
import { type BoxMode, boxesFromMap, type ThresholdSpec } from '@cam-localize/localize';

export interface LocalizeSettings {
  readonly threshold: ThresholdSpec;
  readonly mode: BoxMode;
  readonly connectivity: 4 | 8;
  readonly minArea: number;
  /** How the feature-grid map is brought to the input size before thresholding. */
  readonly upsample: ResampleMethod;
  /** --compat and the map's normalisation: pytorch-grad-cam min-maxes the map again once resized. */
  readonly compat?: CamCompat;
  readonly normalization?: Normalization;
}

export interface Localized {
  /** The map at the model input's size. */
  readonly inputMap: ScoreMap;
  /** Boxes in model-input pixels. */
  readonly inputBoxes: Box[];
  /** The same boxes in the original image's pixels. */
  readonly boxes: Box[];
}

/** A feature-grid CAM to boxes: upsample to the input, threshold and box there, map to original pixels. */
export function localizeCam(map: ScoreMap, geometry: ImageGeometry, settings: LocalizeSettings): Localized {
  const inputMap = compatAfterResize(
    resampleScoreMap(map, geometry.inputWidth, geometry.inputHeight, settings.upsample),
    settings.compat,
    settings.normalization,
  );
  const inputBoxes = boxesFromMap(inputMap, {
    threshold: settings.threshold,
    mode: settings.mode,
    connectivity: settings.connectivity,
    minArea: settings.minArea,
  });
  return { inputMap, inputBoxes, boxes: inputBoxes.map((b) => boxToOriginal(geometry, b)) };
}

/** A box as the JSON array [x0, y0, x1, y1], rounded to 2 decimals. */
export function boxToJson(b: Box): [number, number, number, number] {
  const r = (v: number) => Math.round(v * 100) / 100;
  return [r(b.x0), r(b.y0), r(b.x1), r(b.y1)];
}
