/**
 * What the page recomputes at a threshold, with the very functions `run` uses: the feature-grid
 * map upsampled by resampleScoreMap's kernels, boxes by localize's boxesFromMap, mapped to the
 * photo by boxToOriginal, IoU by eval's maxIou, and the decisions of eval's localization
 * evaluator (GT-known: IoU >= 0.5 with the GT class's boxes; Top-1: that and a right top-1 class).
 * BoxAcc at a threshold is read from each record's correct ranges, the run's own sweep. GT-known
 * and Top-1 Loc at every slider position come from each image's IoU curve (iouCurve), computed
 * once with localize's boxSweep, which equals boxesFromMap at every threshold.
 */
import { type Box, boxToOriginal, resampleScoreMap, type ScoreMap } from '@cam-localize/core';
import { maxIou } from '@cam-localize/eval';
import { type BoxMode, boxSweep } from '@cam-localize/localize';
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

/** The slider's positions, as setThreshold rounds them: index k is the fraction k / 1000. */
export const SLIDER_FRACTIONS = Float64Array.from({ length: 1000 }, (_, k) => k / 1000);

/** Whether an image counts in GT-known and Top-1 Loc (its ground truth is known and measured). */
export function isScored(image: ViewImage): boolean {
  return (image.gtExact ?? []).length > 0 && image.loc !== undefined;
}

/** The class whose boxes decide an image's Loc: the GT class, else the top-1 class. */
function decidingClass(image: ViewImage): number {
  return image.gtClass === undefined || image.gtClass < 0 ? image.predictedClass : image.gtClass;
}

/**
 * The IoU of the deciding class's boxes with the ground truth at every slider position (index k:
 * fraction k / 1000), what imageAt computes one threshold at a time: boxSweep equals boxesFromMap
 * at each fraction, and the boxes go to the photo by the same boxToOriginal and maxIou.
 */
export function iouCurve(run: ViewRun, image: ViewImage): Float64Array {
  const curve = new Float64Array(SLIDER_FRACTIONS.length);
  const gt = (image.gtExact ?? []).map(([x0, y0, x1, y1]) => ({ x0, y0, x1, y1 }));
  if (gt.length === 0) return curve;
  const input = inputMapOf(run, image, decidingClass(image));
  if (input === undefined || image.geometry === undefined)
    return curve.fill(maxIou([], gt, run.settings.iou));
  const geometry = image.geometry;
  const { mode, connectivity, minArea } = run.settings;
  const { levels, levelOfThreshold } = boxSweep(input, SLIDER_FRACTIONS, {
    mode: mode as BoxMode,
    connectivity,
    minArea,
  });
  // Neighbouring thresholds mostly share their boxes: one IoU per run of equal boxes.
  let previous: Box[] | undefined;
  let iou = 0;
  for (let k = 0; k < curve.length; k++) {
    const boxes = levels[levelOfThreshold[k]!]!;
    if (previous === undefined || !sameBoxes(boxes, previous)) {
      iou = maxIou(
        boxes.map((b) => boxToOriginal(geometry, b)),
        gt,
        run.settings.iou,
      );
      previous = boxes;
    }
    curve[k] = iou;
  }
  return curve;
}

function sameBoxes(a: readonly Box[], b: readonly Box[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]!;
    const q = b[i]!;
    if (p.x0 !== q.x0 || p.y0 !== q.y0 || p.x1 !== q.x1 || p.y1 !== q.y1) return false;
  }
  return true;
}

/** An image's Loc decisions at fraction `t`, from the deciding class's boxes alone (imageAt's rule). */
export function decisionsAt(
  run: ViewRun,
  image: ViewImage,
  t: number,
): { gtKnownLoc: boolean; top1Loc: boolean } {
  const gt = (image.gtExact ?? []).map(([x0, y0, x1, y1]) => ({ x0, y0, x1, y1 }));
  return decisionsOf(image, maxIou(boxesAt(run, image, decidingClass(image), t), gt, run.settings.iou));
}

/** An image's Loc decisions at one threshold, from its IoU there (imageAt's rule). */
export function decisionsOf(image: ViewImage, iou: number): { gtKnownLoc: boolean; top1Loc: boolean } {
  const locOk = iou >= 0.5;
  const top1Cls = image.gtClass !== undefined && image.gtClass >= 0 && image.predictedClass === image.gtClass;
  return { gtKnownLoc: locOk, top1Loc: top1Cls && locOk };
}

/**
 * The run's figures at one threshold (percentages, as metrics.json), from each image's decisions
 * there (`decide(i)`, undefined for an image not scored).
 */
export function figuresOf(
  run: ViewRun,
  decide: (index: number) => { gtKnownLoc?: boolean; top1Loc?: boolean } | undefined,
  t: number,
): RunFigures {
  let scored = 0;
  let classKnown = false;
  let gtKnown = 0;
  let top1 = 0;
  for (const [i, image] of run.images.entries()) {
    const s = decide(i);
    if (s?.gtKnownLoc === undefined) continue;
    scored++;
    const c = image.gtClass;
    if (c !== undefined && c >= 0) classKnown = true;
    if (s.gtKnownLoc) gtKnown++;
    if (s.top1Loc) top1++;
  }
  const pct = (v: number) => (scored === 0 || !classKnown ? null : (v * 100) / scored);
  return {
    scored,
    gtKnownLoc: pct(gtKnown),
    top1Loc: pct(top1),
    boxAccByIoU: boxAccAt(run, Math.round(t * 1000)),
  };
}
