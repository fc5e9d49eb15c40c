/**
 * ImageNet localization challenge CSV (Kaggle's `LOC_val_solution.csv`):
 * header `ImageId,PredictionString`, rows `<ImageId>,<wnid> <x0> <y0> <x1> <y1> [<wnid> ...]`,
 * with `LOC_synset_mapping.txt` (`<wnid> <names>`, line i = class i). Images are looked for in
 * `ILSVRC/Data/CLS-LOC/val/`, `val/`, `images/` or the root, as `<ImageId>.JPEG`. The CSV has
 * no image sizes.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Box } from '@cam-localize/core';
import { confinementFor } from './confine.js';
import { type ClassList, type NamedClass, readClassList, unknownClassNames } from './labels.js';
import { ProblemList } from './problems.js';
import { checkBox, dataError, lines, parseNumber, readText, withoutControl } from './text.js';
import type { Dataset, DatasetItem, ReadDatasetOptions } from './types.js';

export const IMAGENET_CSV = 'LOC_val_solution.csv';
const IMAGE_DIRS = ['ILSVRC/Data/CLS-LOC/val', 'val', 'images', '.'];

export function isImagenetCsv(dir: string): boolean {
  return existsSync(join(dir, IMAGENET_CSV));
}

export async function readImagenetCsv(rootOrCsv: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  let csv = resolve(rootOrCsv);
  let absRoot = csv;
  if (statSync(csv).isDirectory()) csv = join(csv, IMAGENET_CSV);
  else absRoot = dirname(csv);
  const imageDir =
    options.imageRoot !== undefined
      ? resolve(absRoot, options.imageRoot)
      : join(
          absRoot,
          IMAGE_DIRS.find((d) => existsSync(join(absRoot, d)) && statSync(join(absRoot, d)).isDirectory()) ??
            '.',
        );

  let classes: ClassList | undefined;
  const mapping =
    options.labels ??
    [join(absRoot, 'LOC_synset_mapping.txt'), join(absRoot, 'synsets.txt')].find((f) => existsSync(f));
  if (mapping !== undefined) classes = await readClassList(mapping);

  const rows = lines(await readText(csv));
  if (rows.length === 0 || !/^ImageId\s*,\s*PredictionString\s*$/i.test(rows[0]!.text)) {
    throw dataError(csv, rows[0]?.n ?? 1, 'expected the header `ImageId,PredictionString`');
  }
  const problems = new ProblemList(absRoot, options.maxProblems);
  const confine = confinementFor(absRoot, options);
  const seen = new Set<string>();
  const items: DatasetItem[] = [];
  const named: NamedClass[] = [];
  for (const { n, text } of rows.slice(1)) {
    problems.guard(() => {
      const comma = text.indexOf(',');
      if (comma < 0) throw dataError(csv, n, 'expected `<ImageId>,<PredictionString>`');
      const imageId = text.slice(0, comma).trim();
      if (imageId === '') throw dataError(csv, n, 'empty ImageId');
      withoutControl(imageId, csv, n, 'ImageId');
      if (seen.has(imageId)) throw dataError(csv, n, `ImageId ${imageId} repeated`);
      seen.add(imageId);
      const tokens = text
        .slice(comma + 1)
        .trim()
        .split(/\s+/)
        .filter((t) => t !== '');
      if (tokens.length % 5 !== 0) {
        throw dataError(
          csv,
          n,
          `PredictionString has ${tokens.length} tokens, expected groups of 5 (wnid x0 y0 x1 y1)`,
        );
      }
      const boxes: Box[] = [];
      const names: string[] = [];
      for (let i = 0; i < tokens.length; i += 5) {
        const box = {
          x0: parseNumber(tokens[i + 1]!, csv, n, 'x0'),
          y0: parseNumber(tokens[i + 2]!, csv, n, 'y0'),
          x1: parseNumber(tokens[i + 3]!, csv, n, 'x1'),
          y1: parseNumber(tokens[i + 4]!, csv, n, 'y1'),
        };
        checkBox(box, csv, n);
        boxes.push(box);
        names.push(withoutControl(tokens[i]!, csv, n, 'class name'));
        named.push({ name: tokens[i]!, file: csv, line: n });
      }
      const file = join(imageDir, `${imageId}.JPEG`);
      confine.assert(file, imageId, csv, n);
      const item: DatasetItem = { id: relative(absRoot, file).split(sep).join('/'), file, boxes };
      if (names.length > 0) {
        item.boxClassNames = names;
        item.className = names[0]!;
        item.classIndex = classes !== undefined ? classes.indexOf(names[0]!) : -1;
      }
      items.push(item);
    });
  }
  if (classes !== undefined) for (const problem of unknownClassNames(classes, named)) problems.add(problem);
  problems.throwIfAny();
  const dataset: Dataset = { root: absRoot, format: 'imagenet-csv', items };
  if (classes !== undefined) {
    dataset.classNames = classes.names;
    dataset.classKeys = classes.keys;
  }
  return dataset;
}
