/**
 * Which images the report shows, chosen while the results stream by: for the well-localized
 * gallery, the highest IoUs of each ground-truth size class; for each failure mode, its lowest
 * IoUs in each size class (whole-image objects left out of the first). Galleries then take the size classes in turn, so one kind of object
 * (whole-image boxes, trivially found) cannot fill a gallery.
 */
import { BOX_SIZES, type BoxSize, type FailureMode } from '@cam-localize/eval';
import type { RunRecord } from '../pipeline/records.js';

export interface GalleryCandidate {
  readonly record: RunRecord;
  readonly iou: number;
  /** The largest ground-truth box's share of the image (1 when unknown). */
  readonly share: number;
  readonly size: BoxSize | undefined;
  readonly mode: FailureMode;
}

type Order = (a: GalleryCandidate, b: GalleryCandidate) => number;

/** Best first; among equal IoUs the smaller object (a whole-image box is found by any map). */
const BEST: Order = (a, b) => b.iou - a.iou || a.share - b.share;
/** Clearest failure first: the lowest IoU; then the larger object (the harder one to miss). */
const WORST: Order = (a, b) => a.iou - b.iou || b.share - a.share;

/**
 * Ground truth covering this share of the image or more is left out of the well-localized
 * gallery: a box over the whole image is found by any map and teaches nothing.
 */
export const TRIVIAL_SHARE = 0.9;

const STRATA: readonly (BoxSize | 'unknown')[] = [...BOX_SIZES, 'unknown'];

export class GalleryPicker {
  /** Per group (`localized` or a failure mode), per size class, the kept candidates in order. */
  private readonly groups = new Map<FailureMode, Map<BoxSize | 'unknown', GalleryCandidate[]>>();

  constructor(readonly count: number) {}

  offer(candidate: GalleryCandidate): void {
    if (this.count <= 0) return;
    if (candidate.mode === 'localized' && candidate.share >= TRIVIAL_SHARE) return;
    let strata = this.groups.get(candidate.mode);
    if (strata === undefined) this.groups.set(candidate.mode, (strata = new Map()));
    const key = candidate.size ?? 'unknown';
    let list = strata.get(key);
    if (list === undefined) strata.set(key, (list = []));
    keep(list, candidate, this.count, candidate.mode === 'localized' ? BEST : WORST);
  }

  /** Whether any candidate of a group had this size (before the count cut the gallery short). */
  offered(mode: FailureMode, size: BoxSize): boolean {
    return (this.groups.get(mode)?.get(size)?.length ?? 0) > 0;
  }

  /** Up to `count` candidates of a group, taking the size classes in turn (small, medium, large). */
  pick(mode: FailureMode): GalleryCandidate[] {
    const strata = this.groups.get(mode);
    if (strata === undefined) return [];
    const lists = STRATA.map((s) => strata.get(s) ?? []);
    const picked: GalleryCandidate[] = [];
    for (let i = 0; picked.length < this.count && lists.some((l) => i < l.length); i++) {
      for (const list of lists) if (i < list.length && picked.length < this.count) picked.push(list[i]!);
    }
    return picked;
  }
}

/** Keeps the `count` first candidates by `order` (a small sorted array; count is a few). */
function keep(list: GalleryCandidate[], candidate: GalleryCandidate, count: number, order: Order): void {
  if (list.length === count && order(candidate, list[count - 1]!) >= 0) return;
  list.push(candidate);
  list.sort(order);
  if (list.length > count) list.pop();
}
