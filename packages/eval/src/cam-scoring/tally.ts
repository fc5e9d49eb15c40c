/**
 * What `scoreCamDirectory` counts besides the metrics: the problems of each image (why it was
 * skipped, or partly), the maps resized or zeroed, the degenerate ground-truth boxes, the images
 * scored, and the progress. One tally serves the calling thread and the worker threads' replies.
 */
import type { DatasetItem } from '../datasets/types.js';

/**
 * Why an image was (partly) skipped. 'mask': a ground-truth mask file is missing or corrupt
 * (`file` names it); the image then does not count for PxAP. 'ambiguous': the image has no
 * `<id>.npy`, and its `<stem>.npy` would also be another image's map (cam-candidates.ts).
 */
export type CamProblemKind =
  | 'missing'
  | 'corrupt'
  | 'size'
  | 'ambiguous'
  | 'no-ground-truth'
  | 'no-image-size'
  | 'mask';

export interface CamProblem {
  id: string;
  /** The score-map file looked at (the first candidate when none exists). */
  file: string;
  kind: CamProblemKind;
  message: string;
}

/** A problem of an image, without the image's id. */
export type ImageProblem = Omit<CamProblem, 'id'>;

/** What one map gave, on either thread: its problems, and what the tally counts of it. */
export interface MapOutcome {
  problems: ImageProblem[];
  scored: boolean;
  resized: boolean;
  /** The map held a NaN or infinite value and was zeroed. */
  nonFinite: boolean;
}

export class CamTally {
  readonly problems: CamProblem[] = [];
  readonly problemCounts: Record<CamProblemKind, number> = {
    missing: 0,
    corrupt: 0,
    size: 0,
    ambiguous: 0,
    'no-ground-truth': 0,
    'no-image-size': 0,
    mask: 0,
  };
  resized = 0;
  scored = 0;
  nonFiniteMaps = 0;
  clippedBoxes = 0;
  zeroAreaBoxes = 0;
  outsideBoxes = 0;
  aborted = false;
  private done = 0;

  constructor(
    private readonly items: readonly DatasetItem[],
    private readonly onProgress?: (done: number, total: number) => void,
  ) {}

  report(id: string, problem: ImageProblem): void {
    this.problems.push({ id, ...problem });
    this.problemCounts[problem.kind]++;
  }

  /** Adds what one map gave (its problems first, in the order they arose). */
  add(id: string, outcome: MapOutcome): void {
    for (const problem of outcome.problems) this.report(id, problem);
    if (outcome.resized) this.resized++;
    if (outcome.nonFinite) this.nonFiniteMaps++;
    if (outcome.scored) this.scored++;
  }

  /** One more image done. */
  progress(): void {
    this.done++;
    this.onProgress?.(this.done, this.items.length);
  }

  /** The problems in dataset order (threads finish out of order; a stable sort keeps each image's order). */
  problemsInOrder(): CamProblem[] {
    const order = new Map(this.items.map((it, i) => [it.id, i]));
    return this.problems.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }
}
