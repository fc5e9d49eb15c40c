/**
 * What kind of image and what kind of mistake: the strata and failure modes the report's figures
 * and galleries are built on. Boxes are [x0, y0, x1, y1] in pixel-edge coordinates of one image.
 */
export type BoxTuple = readonly [number, number, number, number];

/** Ground-truth size classes as shares of the image area: small below `small`, large from `large` on. */
export interface BoxSizeCutoffs {
  readonly small: number;
  readonly large: number;
}

export const BOX_SIZE_CUTOFFS: BoxSizeCutoffs = { small: 0.1, large: 0.5 };

export type BoxSize = 'small' | 'medium' | 'large';
export const BOX_SIZES: readonly BoxSize[] = ['small', 'medium', 'large'];

function area([x0, y0, x1, y1]: BoxTuple): number {
  return Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
}

/** The largest ground-truth box's share of the image area (the object an image is "about"). */
export function largestBoxShare(boxes: readonly BoxTuple[], width: number, height: number): number {
  if (!(width > 0 && height > 0)) throw new RangeError(`image size must be positive, got ${width}x${height}`);
  let largest = 0;
  for (const box of boxes) largest = Math.max(largest, area(box));
  return Math.min(1, largest / (width * height));
}

export function boxSizeOf(share: number, cutoffs: BoxSizeCutoffs = BOX_SIZE_CUTOFFS): BoxSize {
  if (share < cutoffs.small) return 'small';
  return share < cutoffs.large ? 'medium' : 'large';
}

/** A size class in words with its cut-offs, e.g. "small (< 10% of the image)". */
export function describeBoxSize(size: BoxSize, cutoffs: BoxSizeCutoffs = BOX_SIZE_CUTOFFS): string {
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  if (size === 'small') return `small (< ${pct(cutoffs.small)} of the image)`;
  if (size === 'medium') return `medium (${pct(cutoffs.small)}–${pct(cutoffs.large)})`;
  return `large (≥ ${pct(cutoffs.large)})`;
}

export type FailureMode = 'localized' | 'too-small' | 'too-large' | 'wrong-object' | 'misplaced' | 'no-box';
export const FAILURE_MODES: readonly Exclude<FailureMode, 'localized'>[] = [
  'too-small',
  'too-large',
  'wrong-object',
  'misplaced',
  'no-box',
];

export interface FailureRules {
  /** IoU from which an image counts as localized (0.5: GT-known Loc). */
  readonly localized: number;
  /** Below this IoU a box that contains nothing and sits in nothing marks another object. */
  readonly wrongObject: number;
  /** Share of one box's area inside the other from which it counts as contained. */
  readonly contained: number;
}

export const FAILURE_RULES: FailureRules = { localized: 0.5, wrongObject: 0.1, contained: 0.9 };

/** Each failure mode's definition in words, for the report. */
export function describeFailureMode(mode: FailureMode, rules: FailureRules = FAILURE_RULES): string {
  const pct = `${Math.round(rules.contained * 100)}%`;
  switch (mode) {
    case 'localized':
      return `IoU ≥ ${rules.localized}`;
    case 'too-small':
      return `too small: IoU < ${rules.localized} and ≥ ${pct} of the predicted box lies inside the ground-truth box`;
    case 'too-large':
      return `too large: IoU < ${rules.localized} and ≥ ${pct} of the ground-truth box lies inside the predicted box`;
    case 'wrong-object':
      return `wrong object: IoU < ${rules.wrongObject} and neither box contained in the other`;
    case 'misplaced':
      return `misplaced: ${rules.wrongObject} ≤ IoU < ${rules.localized}, partial overlap, neither box contained`;
    case 'no-box':
      return 'no box: the map gave no foreground at the threshold';
  }
}

/**
 * Classifies an image's result. `iou` is the image's score as the metrics count it; containment is
 * judged on the pair of predicted and ground-truth boxes that overlap most (area IoU), so an
 * image with several objects is judged on the one its box went for.
 */
export function failureModeOf(
  predicted: readonly BoxTuple[],
  truth: readonly BoxTuple[],
  iou: number,
  rules: FailureRules = FAILURE_RULES,
): FailureMode {
  if (iou >= rules.localized) return 'localized';
  const boxes = predicted.filter((box) => area(box) > 0);
  if (boxes.length === 0 || truth.length === 0) return 'no-box';
  let best = { overlap: -1, predShare: 0, truthShare: 0 };
  for (const p of boxes) {
    for (const t of truth) {
      const inter = area([
        Math.max(p[0], t[0]),
        Math.max(p[1], t[1]),
        Math.min(p[2], t[2]),
        Math.min(p[3], t[3]),
      ]);
      const union = area(p) + area(t) - inter;
      const overlap = union > 0 ? inter / union : 0;
      if (overlap > best.overlap) {
        best = { overlap, predShare: inter / area(p), truthShare: area(t) > 0 ? inter / area(t) : 0 };
      }
    }
  }
  if (best.predShare >= rules.contained) return 'too-small';
  if (best.truthShare >= rules.contained) return 'too-large';
  return iou < rules.wrongObject ? 'wrong-object' : 'misplaced';
}
