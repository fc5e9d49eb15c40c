/**
 * CUB-200-2011 as distributed: `images.txt` (`<n> <path>`), `image_class_labels.txt`
 * (`<n> <class, 1-based>`), `bounding_boxes.txt` (`<n> <x> <y> <w> <h>`, floats),
 * `train_test_split.txt` (`<n> <1 train | 0 test>`), optional `classes.txt`, images under
 * `images/`. Boxes become [x, y, x + w, y + h] (as wsolevaluation's CUB metadata), class indices
 * become 0-based, and the id is the path in images.txt (wsolevaluation's CUB image id). One pass
 * over each file, joined by image number, every problem collected with its file and line
 * (ProblemList).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { confinementFor } from './confine.js';
import { parseClassList } from './labels.js';
import { ProblemList } from './problems.js';
import { checkBox, dataError, lines, parseIndex, parseNumber, readText, withoutControl } from './text.js';
import type { Dataset, DatasetItem, ReadDatasetOptions } from './types.js';

export function isCub(dir: string): boolean {
  return existsSync(join(dir, 'images.txt')) && existsSync(join(dir, 'bounding_boxes.txt'));
}

/** The images of images.txt by number, in file order, and the problems found so far. */
interface Numbered {
  readonly byNumber: Map<string, { item: DatasetItem; line: number }>;
  readonly order: string[];
  readonly problems: ProblemList;
}

export async function readCubDataset(root: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const absRoot = resolve(root);
  const split = options.split ?? 'test';
  const problems = new ProblemList(absRoot, options.maxProblems);
  const images = await readImages(
    join(absRoot, 'images.txt'),
    resolve(absRoot, options.imageRoot ?? 'images'),
    problems,
    confinementFor(absRoot, options),
  );
  await readClassLabels(join(absRoot, 'image_class_labels.txt'), images);
  await readBoxes(join(absRoot, 'bounding_boxes.txt'), images);
  const selected =
    split === 'all' ? images.order : await splitOf(join(absRoot, 'train_test_split.txt'), split, images);
  problems.throwIfAny();
  const dataset: Dataset = {
    root: absRoot,
    format: 'cub',
    items: selected.map((k) => images.byNumber.get(k)!.item),
  };
  const classesFile = options.labels ?? join(absRoot, 'classes.txt');
  if (existsSync(classesFile)) await attachClassNames(dataset, classesFile);
  return dataset;
}

/** images.txt: `<n> <path>`, each number once, each path inside the dataset folder. */
async function readImages(
  imagesFile: string,
  imageRoot: string,
  problems: ProblemList,
  confine: ReturnType<typeof confinementFor>,
): Promise<Numbered> {
  const byNumber = new Map<string, { item: DatasetItem; line: number }>();
  const order: string[] = [];
  for (const { n, text } of lines(await readText(imagesFile))) {
    problems.guard(() => {
      const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(text);
      if (m === null) throw dataError(imagesFile, n, 'expected `<image number> <path>`');
      const key = String(parseIndex(m[1]!, imagesFile, n, 'image number'));
      if (byNumber.has(key))
        throw dataError(
          imagesFile,
          n,
          `image number ${key} repeated (first on line ${byNumber.get(key)!.line})`,
        );
      const file = resolve(imageRoot, m[2]!);
      byNumber.set(key, { item: { id: m[2]!, file, boxes: [] }, line: n });
      order.push(key);
      // Registered even when refused, so that its other lines raise no second problem.
      withoutControl(m[2]!, imagesFile, n, 'image path');
      confine.assert(file, m[2]!, imagesFile, n);
    });
  }
  return { byNumber, order, problems };
}

/** A line's space-separated fields, exactly `count`, and the item of its image number. */
function columns(images: Numbered, file: string, n: number, text: string, count: number, shape: string) {
  const f = text.trim().split(/\s+/);
  if (f.length !== count)
    throw dataError(file, n, `expected ${count} space-separated fields (${shape}), got ${f.length}`);
  const key = String(parseIndex(f[0]!, file, n, 'image number'));
  const hit = images.byNumber.get(key);
  if (hit === undefined) throw dataError(file, n, `unknown image number ${key} (not in images.txt)`);
  return { f, item: hit.item };
}

/** image_class_labels.txt (optional): `<n> <class, 1-based>`, kept 0-based. */
async function readClassLabels(labelsFile: string, images: Numbered): Promise<void> {
  if (!existsSync(labelsFile)) return;
  for (const { n, text } of lines(await readText(labelsFile))) {
    images.problems.guard(() => {
      const { f, item } = columns(images, labelsFile, n, text, 2, '<image number> <class>');
      const c = parseIndex(f[1]!, labelsFile, n, 'class');
      if (c < 1) throw dataError(labelsFile, n, `class ${c} out of range (CUB classes start at 1)`);
      item.classIndex = c - 1;
    });
  }
}

/** bounding_boxes.txt: `<n> <x> <y> <w> <h>` as [x, y, x + w, y + h]. */
async function readBoxes(boxesFile: string, images: Numbered): Promise<void> {
  for (const { n, text } of lines(await readText(boxesFile))) {
    images.problems.guard(() => {
      const { f, item } = columns(images, boxesFile, n, text, 5, '<image number> <x> <y> <width> <height>');
      const x = parseNumber(f[1]!, boxesFile, n, 'x');
      const y = parseNumber(f[2]!, boxesFile, n, 'y');
      const w = parseNumber(f[3]!, boxesFile, n, 'width');
      const h = parseNumber(f[4]!, boxesFile, n, 'height');
      const box = { x0: x, y0: y, x1: x + w, y1: y + h };
      checkBox(box, boxesFile, n);
      item.boxes.push(box);
    });
  }
}

/** The image numbers of `split` by train_test_split.txt, in file order; an image without a split is a problem. */
async function splitOf(splitFile: string, split: 'train' | 'test', images: Numbered): Promise<string[]> {
  const isTrain = new Map<string, boolean>();
  /** Images whose split line is bad: reported once, not again as 'no split'. */
  const badLine = new Set<string>();
  for (const { n, text } of lines(await readText(splitFile))) {
    badLine.add(String(Number(text.trim().split(/\s+/)[0])));
    images.problems.guard(() => {
      const { f } = columns(images, splitFile, n, text, 2, '<image number> <is training image>');
      if (f[1] !== '0' && f[1] !== '1')
        throw dataError(splitFile, n, `split flag must be 0 or 1, got ${JSON.stringify(f[1])}`);
      isTrain.set(String(Number(f[0])), f[1] === '1');
      badLine.delete(String(Number(f[0])));
    });
  }
  return images.order.filter((k) => {
    const t = isTrain.get(k);
    if (t === undefined) {
      if (!badLine.has(k))
        images.problems.add(dataError(splitFile, undefined, `image number ${k} has no split`));
      return false;
    }
    return t === (split === 'train');
  });
}

/** classes.txt (`<n> <name>`, the number column dropped) or --labels: names, keys, each item's key. */
async function attachClassNames(dataset: Dataset, classesFile: string): Promise<void> {
  const text = await readText(classesFile);
  const list = parseClassList(
    lines(text)
      .map((l) => l.text.replace(/^\s*\d+\s+/, ''))
      .join('\n'),
    classesFile,
  );
  dataset.classNames = list.names;
  dataset.classKeys = list.keys;
  for (const item of dataset.items) {
    if (item.classIndex !== undefined && list.keys[item.classIndex] !== undefined)
      item.className = list.keys[item.classIndex]!;
  }
}
