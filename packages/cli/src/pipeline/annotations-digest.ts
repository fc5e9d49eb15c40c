/**
 * The digest of the ground truth a run read: per image, in dataset order, its id, class, boxes
 * (and their class names), stored size, masks and what it lacked. It goes into the run
 * fingerprint, so a `--resume` or a `merge` refuses records scored against other annotations (a
 * box edited between two sessions of one run moved GT-known Loc from 87.5% to 79.2% unnoticed).
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import type { Dataset } from '@cam-localize/eval';

/** SHA-256 over every item's annotations, one JSON line each (paths relative to the dataset root). */
export function annotationsDigest(dataset: Pick<Dataset, 'root' | 'items'>): string {
  const hash = createHash('sha256');
  const local = (path: string) => relative(dataset.root, path);
  for (const item of dataset.items) {
    hash.update(
      JSON.stringify([
        item.id,
        item.classIndex ?? null,
        item.className ?? null,
        item.boxes.map((b) => [b.x0, b.y0, b.x1, b.y1]),
        item.boxClassNames ?? null,
        item.width ?? null,
        item.height ?? null,
        item.mask === undefined ? null : [item.mask.files.map(local), item.mask.ignoreFile ?? null],
        item.missingGroundTruth ?? null,
      ]),
    );
    hash.update('\n');
  }
  return hash.digest('hex');
}
