/**
 * wsolevaluation metadata folders (`metadata/<dataset>/<split>/` in its repository):
 * - `image_ids.txt`: one image id per line, a path relative to the image root;
 * - `class_labels.txt`: `<id>,<class index>`;
 * - `image_sizes.txt`: `<id>,<width>,<height>` (absent for OpenImages);
 * - `localization.txt`: boxes `<id>,<x0>,<y0>,<x1>,<y1>` (one line per box, numbers may be
 *   floats and are kept as given), or masks `<id>,<mask path>,<ignore path>` (one line per
 *   instance mask; the ignore path only on the first line of an image), told apart by the
 *   number of fields.
 * Every id in the other files must be in image_ids.txt; errors name the file and line. One pass
 * over each file, joined by id, every problem collected with its file and line (ProblemList).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Box } from '@cam-localize/core';
import { confinementFor } from './confine.js';
import { readClassList } from './labels.js';
import { ProblemList } from './problems.js';
import {
  checkBox,
  dataError,
  lines,
  parseIndex,
  parseNumber,
  parsePositive,
  readText,
  withoutControl,
} from './text.js';
import type { Dataset, DatasetItem, DatasetMask, ReadDatasetOptions } from './types.js';

export const WSOL_FILES = [
  'image_ids.txt',
  'class_labels.txt',
  'image_sizes.txt',
  'localization.txt',
] as const;

/** Whether a folder looks like wsolevaluation metadata. */
export function isWsolMetadata(dir: string): boolean {
  return existsSync(join(dir, 'image_ids.txt'));
}

/** What the readers of the files after image_ids.txt share: the items by id, and the problems. */
interface Joined {
  readonly byId: ReadonlyMap<string, { readonly item: DatasetItem; readonly line: number }>;
  readonly problems: ProblemList;
}

export async function readWsolMetadata(root: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const absRoot = resolve(root);
  const meta = resolve(absRoot, options.metadataDir ?? '.');
  const problems = new ProblemList(absRoot, options.maxProblems);
  const confine = confinementFor(absRoot, options);
  const { items, byId } = await readIds(
    join(meta, 'image_ids.txt'),
    resolve(absRoot, options.imageRoot ?? '.'),
    problems,
    confine,
  );
  const joined: Joined = { byId, problems };
  await readClassLabels(join(meta, 'class_labels.txt'), joined);
  await readSizes(join(meta, 'image_sizes.txt'), joined);
  await readLocalization(
    join(meta, 'localization.txt'),
    resolve(absRoot, options.maskRoot ?? '.'),
    confine,
    joined,
  );
  problems.throwIfAny();
  const dataset: Dataset = { root: absRoot, format: 'wsol-metadata', items };
  const labels =
    options.labels ?? [join(meta, 'synsets.txt'), join(absRoot, 'synsets.txt')].find((f) => existsSync(f));
  if (labels !== undefined) await attachClassNames(dataset, labels);
  return dataset;
}

/** image_ids.txt: the items, in order, each id once and inside the dataset folder. */
async function readIds(
  idsFile: string,
  imageRoot: string,
  problems: ProblemList,
  confine: ReturnType<typeof confinementFor>,
): Promise<{ items: DatasetItem[]; byId: Map<string, { item: DatasetItem; line: number }> }> {
  const items: DatasetItem[] = [];
  const byId = new Map<string, { item: DatasetItem; line: number }>();
  for (const { n, text } of lines(await readText(idsFile))) {
    problems.guard(() => {
      const id = text;
      if (id.includes(',')) throw dataError(idsFile, n, `image id ${JSON.stringify(id)} contains a comma`);
      const prev = byId.get(id);
      if (prev !== undefined)
        throw dataError(idsFile, n, `image id ${JSON.stringify(id)} repeated (first on line ${prev.line})`);
      const item: DatasetItem = { id, file: resolve(imageRoot, id), boxes: [] };
      items.push(item);
      byId.set(id, { item, line: n });
      // Registered even when refused, so that its other lines raise no second problem.
      withoutControl(id, idsFile, n, 'image id');
      confine.assert(item.file, id, idsFile, n);
    });
  }
  if (items.length === 0 && problems.size === 0) throw dataError(idsFile, undefined, 'no image ids');
  return { items, byId };
}

/** The item of an id, which image_ids.txt must hold. */
function lookup(joined: Joined, file: string, n: number, id: string): DatasetItem {
  const hit = joined.byId.get(id);
  if (hit === undefined)
    throw dataError(file, n, `unknown image id ${JSON.stringify(id)} (not in image_ids.txt)`);
  return hit.item;
}

/** A line's comma-separated fields, exactly `count` of them. */
function fields(file: string, n: number, text: string, count: number, shape: string): string[] {
  const f = text.split(',');
  if (f.length !== count)
    throw dataError(file, n, `expected ${count} comma-separated fields (${shape}), got ${f.length}`);
  return f;
}

/** class_labels.txt (optional): one class index per id. */
async function readClassLabels(labelsFile: string, joined: Joined): Promise<void> {
  if (!existsSync(labelsFile)) return;
  const seen = new Set<string>();
  for (const { n, text } of lines(await readText(labelsFile))) {
    joined.problems.guard(() => {
      const [id, label] = fields(labelsFile, n, text, 2, '<id>,<class index>') as [string, string];
      const item = lookup(joined, labelsFile, n, id);
      if (seen.has(id)) throw dataError(labelsFile, n, `class of ${JSON.stringify(id)} given twice`);
      seen.add(id);
      item.classIndex = parseIndex(label, labelsFile, n, 'class index');
    });
  }
}

/** image_sizes.txt (optional): the stored size of each image, with where it was read. */
async function readSizes(sizesFile: string, joined: Joined): Promise<void> {
  if (!existsSync(sizesFile)) return;
  for (const { n, text } of lines(await readText(sizesFile))) {
    joined.problems.guard(() => {
      const [id, w, h] = fields(sizesFile, n, text, 3, '<id>,<width>,<height>') as [string, string, string];
      const item = lookup(joined, sizesFile, n, id);
      item.width = parsePositive(w, sizesFile, n, 'width');
      item.height = parsePositive(h, sizesFile, n, 'height');
      item.sizeFrom = { file: sizesFile, line: n };
    });
  }
}

/** localization.txt (optional): boxes, or masks, told apart by the first line's field count. */
async function readLocalization(
  locFile: string,
  maskRoot: string,
  confine: ReturnType<typeof confinementFor>,
  joined: Joined,
): Promise<void> {
  if (!existsSync(locFile)) return;
  const locLines = lines(await readText(locFile));
  const kind = locLines.length > 0 && locLines[0]!.text.split(',').length === 3 ? 'masks' : 'boxes';
  const maskFile = (written: string, n: number): string => {
    withoutControl(written, locFile, n, 'mask path');
    const file = resolve(maskRoot, written);
    confine.assert(file, written, locFile, n);
    return file;
  };
  for (const { n, text } of locLines) {
    joined.problems.guard(() => {
      if (kind === 'boxes') {
        const f = fields(locFile, n, text, 5, '<id>,<x0>,<y0>,<x1>,<y1>');
        const item = lookup(joined, locFile, n, f[0]!);
        const box: Box = {
          x0: parseNumber(f[1]!, locFile, n, 'x0'),
          y0: parseNumber(f[2]!, locFile, n, 'y0'),
          x1: parseNumber(f[3]!, locFile, n, 'x1'),
          y1: parseNumber(f[4]!, locFile, n, 'y1'),
        };
        checkBox(box, locFile, n);
        item.boxes.push(box);
        return;
      }
      const f = fields(locFile, n, text, 3, '<id>,<mask path>,<ignore path>');
      const item = lookup(joined, locFile, n, f[0]!);
      if (f[1]!.trim() === '') throw dataError(locFile, n, 'empty mask path');
      if (item.mask === undefined) {
        const mask: DatasetMask = { files: [maskFile(f[1]!, n)] };
        if (f[2]!.trim() !== '') mask.ignoreFile = maskFile(f[2]!, n);
        item.mask = mask;
      } else {
        if (f[2]!.trim() !== '') {
          throw dataError(
            locFile,
            n,
            `a second ignore mask for ${JSON.stringify(f[0])}`,
            'only the first line of an image gives one',
          );
        }
        item.mask.files.push(maskFile(f[1]!, n));
      }
    });
  }
}

/** The class list (synsets.txt or --labels): names, keys, and each labelled item's key. */
async function attachClassNames(dataset: Dataset, labels: string): Promise<void> {
  const list = await readClassList(labels);
  dataset.classNames = list.names;
  dataset.classKeys = list.keys;
  for (const item of dataset.items) {
    if (item.classIndex === undefined) continue;
    const key = list.keys[item.classIndex];
    if (key !== undefined) item.className = key;
  }
}
