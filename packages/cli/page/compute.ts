/**
 * What the page recomputes at a threshold, with the very functions `run` uses: the feature-grid
 * map upsampled by resampleScoreMap's kernels, boxes by localize's boxesFromMap, mapped to the
 * photo by boxToOriginal, IoU by eval's maxIou, and the decisions of eval's localization
 * evaluator (GT-known: IoU >= 0.5 with the GT class's boxes; Top-1: that and a right top-1 class).
 * BoxAcc at a threshold is read from each record's correct ranges, the run's own sweep.
 */
import { type Box, resampleScoreMap, type ScoreMap } from '@cam-localize/core';
import { maxIou } from '@cam-localize/eval';
import type { BoxMode } from '@cam-localize/localize';
import { boxToJson, localizeCam } from '../src/pipeline/localize-cam.js';
import type { ViewImage, ViewRun } from '../src/view/view-data.js';

export type JsonBox = [number, number, number, number];

export interface ClassBoxes {
  readonly class: number;
  readonly boxes: JsonBox[];
  readonly iou?: number;
}

export interface ImageState {
  readonly id: string;
  /** The top-1 class's boxes (results.jsonl's `predicted.boxes`). */
  readonly boxes: JsonBox[];
  readonly predicted: ClassBoxes;
  readonly groundTruth?: ClassBoxes;
  readonly gtKnownLoc?: boolean;
  readonly top1Loc?: boolean;
}

export interface RunFigures {
  readonly scored: number;
  readonly gtKnownLoc: number | null;
  readonly top1Loc: number | null;
  readonly boxAccByIoU: Record<string, number | null>;
}

const decoded = new WeakMap<object, ScoreMap>();

/** A packed map's float32 values (decoded once). */
export function gridMap(packed: { width: number; height: number; data: string }): ScoreMap {
  let map = decoded.get(packed);
  if (map === undefined) {
    const bytes = Uint8Array.from(atob(packed.data), (c) => c.charCodeAt(0));
    map = { width: packed.width, height: packed.height, data: new Float32Array(bytes.buffer) };
    decoded.set(packed, map);
  }
  return map;
}

/** The map of a class at the model input's size, as `run` thresholds it. */
export function inputMapOf(run: ViewRun, image: ViewImage, classIndex: number): ScoreMap | undefined {
  const packed = image.maps?.find((m) => m.class === classIndex);
  if (packed === undefined || image.geometry === undefined) return undefined;
  const g = image.geometry;
  return resampleScoreMap(gridMap(packed), g.inputWidth, g.inputHeight, run.settings.upsample);
}

/** One class's boxes in original pixels at fraction `t` of the map's maximum: `run`'s localizeCam. */
function boxesAt(run: ViewRun, image: ViewImage, classIndex: number, t: number): Box[] {
  const packed = image.maps?.find((m) => m.class === classIndex);
  if (packed === undefined || image.geometry === undefined) return [];
  const { mode, connectivity, minArea, upsample } = run.settings;
  return localizeCam(gridMap(packed), image.geometry, {
    threshold: { kind: 'fraction', value: t },
    mode: mode as BoxMode,
    connectivity,
    minArea,
    upsample,
  }).boxes;
}

/** The boxes and decisions of one image at fraction `t`. */
export function imageAt(run: ViewRun, image: ViewImage, t: number): ImageState {
  const gt = (image.gtExact ?? []).map(([x0, y0, x1, y1]) => ({ x0, y0, x1, y1 }));
  const result = (classIndex: number): { json: ClassBoxes; boxes: Box[] } => {
    const boxes = boxesAt(run, image, classIndex, t);
    const iou = gt.length > 0 ? maxIou(boxes, gt, run.settings.iou) : undefined;
    return {
      json: { class: classIndex, boxes: boxes.map(boxToJson), ...(iou === undefined ? {} : { iou }) },
      boxes,
    };
  };
  const predicted = result(image.predictedClass);
  const truth =
    image.gtClass === undefined || image.gtClass < 0
      ? undefined
      : image.gtClass === image.predictedClass
        ? predicted
        : result(image.gtClass);
  if (gt.length === 0 || image.loc === undefined) {
    return {
      id: image.id,
      boxes: predicted.json.boxes,
      predicted: predicted.json,
      ...(truth ? { groundTruth: truth.json } : {}),
    };
  }
  const locOk = maxIou((truth ?? predicted).boxes, gt, run.settings.iou) >= 0.5;
  const top1Cls = image.gtClass !== undefined && image.gtClass >= 0 && image.predictedClass === image.gtClass;
  return {
    id: image.id,
    boxes: predicted.json.boxes,
    predicted: predicted.json,
    ...(truth ? { groundTruth: truth.json } : {}),
    gtKnownLoc: locOk,
    top1Loc: top1Cls && locOk,
  };
}

/** BoxAcc (percent) at threshold index `index` per IoU level, from the records' correct ranges. */
export function boxAccAt(run: ViewRun, index: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const level of run.settings.iouLevels) {
    let scored = 0;
    let correct = 0;
    for (const image of run.images) {
      const ranges = image.boxAcc?.[String(level)];
      if (ranges === undefined) continue;
      scored++;
      if (ranges.some(([s, e]) => s <= index && index < e)) correct++;
    }
    out[String(level)] = scored === 0 ? null : (correct * 100) / scored;
  }
  return out;
}

/** The run's figures from the images' states at one threshold (percentages, as metrics.json). */
export function figuresOf(run: ViewRun, states: readonly ImageState[], t: number): RunFigures {
  let scored = 0;
  let known = 0;
  let classKnown = false;
  let gtKnown = 0;
  let top1 = 0;
  for (const [i, s] of states.entries()) {
    if (s.gtKnownLoc === undefined) continue;
    scored++;
    const c = run.images[i]!.gtClass;
    if (c !== undefined && c >= 0) {
      classKnown = true;
      known++;
    }
    if (s.gtKnownLoc) gtKnown++;
    if (s.top1Loc) top1++;
  }
  const pct = (v: number) => (scored === 0 || !classKnown ? null : (v * 100) / scored);
  void known;
  return {
    scored,
    gtKnownLoc: pct(gtKnown),
    top1Loc: pct(top1),
    boxAccByIoU: boxAccAt(run, Math.round(t * 1000)),
  };
}
