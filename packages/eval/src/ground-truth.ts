/**
 * Ground truth every metric can trust: which images lack the class label or the boxes (or mask)
 * the rest of their dataset has, and boxes brought inside their image.
 *
 * Missing ground truth: a dataset "carries" class labels when any image has one, boxes when any
 * image has a box, masks when any image has a mask; an image of such a dataset without its label,
 * boxes or mask is incomplete. An incomplete image keeps its prediction but loses all its ground
 * truth (`withoutGroundTruth`), so it counts in no metric: a missing label would otherwise make
 * GT-known Loc score the top-1 class's map (and inflate it), a missing box line would drop the
 * image from the box metrics without a word.
 *
 * Boxes outside the image: wsolevaluation never clips ground truth (its `resize_bbox` only scales
 * and truncates with int()); the only clamp it applies is to estimated boxes, `x1 = min(x1,
 * width - 1)`. A ground-truth box that reaches past the image is clipped here, once, to the
 * image's extent in original pixels, x to [0, width] and y to [0, height], before any frame change:
 * a box already inside (x1 = width included: CUB's x + w and ImageNet's xmax reach it) is left
 * exactly as given, so results on well-formed data do not move.
 *
 * Degenerate boxes: a box of zero area, and a box wholly outside its image (clipped to a line on its
 * edge), are counted apart from the partly clipped ones and warned about; they stay scored.
 */
import type { Box } from '@cam-localize/core';
import type { DatasetItem } from './datasets/types.js';

export type GroundTruthPart = 'class label' | 'boxes' | 'mask';

export interface IncompleteImage {
  id: string;
  missing: GroundTruthPart[];
}

export interface GroundTruthCheck {
  /** What the dataset carries (some image has it). */
  carries: Record<GroundTruthPart, boolean>;
  /** Images without a part their dataset carries, in dataset order. */
  incomplete: IncompleteImage[];
}

/** The images of `items` that lack a label, boxes or a mask their dataset carries. */
export function checkGroundTruth(items: readonly DatasetItem[]): GroundTruthCheck {
  const carries: Record<GroundTruthPart, boolean> = {
    'class label': items.some((i) => i.classIndex !== undefined),
    boxes: items.some((i) => i.boxes.length > 0),
    mask: items.some((i) => i.mask !== undefined),
  };
  const incomplete: IncompleteImage[] = [];
  for (const item of items) {
    const missing: GroundTruthPart[] = [];
    if (carries['class label'] && item.classIndex === undefined) missing.push('class label');
    if (carries.boxes && item.boxes.length === 0) missing.push('boxes');
    if (carries.mask && item.mask === undefined) missing.push('mask');
    if (missing.length > 0) incomplete.push({ id: item.id, missing });
  }
  return { carries, incomplete };
}

/** An image with its ground truth taken away (it then counts in no metric), saying what was missing. */
export function withoutGroundTruth(item: DatasetItem, missing: GroundTruthPart[]): DatasetItem {
  const { classIndex: _c, className: _n, boxClassNames: _b, mask: _m, ...rest } = item;
  return { ...rest, boxes: [], missingGroundTruth: missing };
}

/** `items` with every incomplete image stripped of its ground truth. */
export function stripIncomplete(items: readonly DatasetItem[], check: GroundTruthCheck): DatasetItem[] {
  const byId = new Map(check.incomplete.map((i) => [i.id, i.missing]));
  return items.map((item) => {
    const missing = byId.get(item.id);
    return missing === undefined ? item : withoutGroundTruth(item, missing);
  });
}

/** One line: how many images are incomplete, and the first few with what they lack. */
export function describeIncomplete(check: GroundTruthCheck, total: number, shown = 5): string {
  const n = check.incomplete.length;
  const first = check.incomplete
    .slice(0, shown)
    .map((i) => `${i.id} (no ${i.missing.join(', no ')})`)
    .join(', ');
  return `${n} of ${total} image${total === 1 ? '' : 's'} lack ground truth the rest of the dataset has: ${first}${n > shown ? `, ... and ${n - shown} more` : ''}`;
}

/** A ground-truth box clipped to a width x height image: x to [0, width], y to [0, height]. */
export function clipBoxToImage(box: Box, width: number, height: number): Box {
  const cx = (v: number) => Math.min(Math.max(v, 0), width);
  const cy = (v: number) => Math.min(Math.max(v, 0), height);
  return { x0: cx(box.x0), y0: cy(box.y0), x1: cx(box.x1), y1: cy(box.y1) };
}

/** Ground-truth boxes brought inside their image, and how many were partly or wholly outside it. */
export interface ClippedBoxes {
  boxes: Box[];
  /** Boxes partly outside the image, clipped to it (some area stays inside). */
  clipped: number;
  /** Boxes of zero area as given (x0 = x1 or y0 = y1): scored as they are, and counted here. */
  zeroArea: number;
  /** Boxes of positive area wholly outside the image: clipped to a line on its edge, and counted here. */
  outside: number;
}

/**
 * Ground-truth boxes clipped to the image, with how many needed it. Degenerate boxes (zero area,
 * or wholly outside) are still scored, as wsolevaluation scores every box it is given (no prediction
 * reaches them: IoU 0 unless the image has another box), but are counted apart from the partly
 * clipped ones so that the commands can warn about them (datasets/README.md states the rule).
 */
export function clipBoxesToImage(boxes: readonly Box[], width: number, height: number): ClippedBoxes {
  let clipped = 0;
  let zeroArea = 0;
  let outside = 0;
  const out = boxes.map((b) => {
    if (b.x1 === b.x0 || b.y1 === b.y0) zeroArea++;
    const c = clipBoxToImage(b, width, height);
    if (c.x0 === b.x0 && c.y0 === b.y0 && c.x1 === b.x1 && c.y1 === b.y1) return b;
    if (b.x1 !== b.x0 && b.y1 !== b.y0) {
      if (c.x1 === c.x0 || c.y1 === c.y0) outside++;
      else clipped++;
    }
    return c;
  });
  return { boxes: out, clipped, zeroArea, outside };
}

/** One line on degenerate ground truth, or undefined when there is none. */
export function describeDegenerateBoxes(counts: {
  zeroAreaBoxes: number;
  outsideBoxes: number;
}): string | undefined {
  const parts: string[] = [];
  if (counts.zeroAreaBoxes > 0) parts.push(`${counts.zeroAreaBoxes} of zero area`);
  if (counts.outsideBoxes > 0) parts.push(`${counts.outsideBoxes} wholly outside their image`);
  if (parts.length === 0) return undefined;
  return `degenerate ground-truth boxes: ${parts.join(', ')}; they are scored as given (IoU 0 unless the image has another box), see datasets/README.md`;
}
