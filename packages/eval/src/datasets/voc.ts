/**
 * PASCAL VOC / ILSVRC XML annotations: `Annotations/` (or `annotations/`) beside `JPEGImages/`
 * (or `images/`), one `<stem>.xml` per image with `<size><width>/<height>` and one
 * `<object><name>` + `<bndbox><xmin>/<ymin>/<xmax>/<ymax>` per box. Coordinates are kept as
 * written (VOC's are 1-based pixel indices; no shift is applied). Class names (ImageNet wnids
 * or VOC names) map to indices through a class list (`synsets.txt` in the folder, or
 * `options.labels`); a name not in the list gets index -1 and keeps its name.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import type { Box } from '@cam-localize/core';
import { confinementFor } from './confine.js';
import { type ClassList, type NamedClass, readClassList, unknownClassNames } from './labels.js';
import { ProblemList } from './problems.js';
import { checkBox, dataError, parseNumber, readText, withoutControl } from './text.js';
import type { Dataset, DatasetItem, ReadDatasetOptions } from './types.js';
import { child, children, parseXml, type XmlElement } from './xml.js';

const ANNOTATION_DIRS = ['Annotations', 'annotations'];
const IMAGE_DIRS = ['JPEGImages', 'images', 'Images'];
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.gif', '.tif', '.tiff', '.avif'];

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The annotation folder of a VOC-style dataset, if any. */
export function findVocAnnotations(root: string): string | undefined {
  return ANNOTATION_DIRS.map((d) => join(root, d)).find(isDir);
}

function toId(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

function num(el: XmlElement | undefined, file: string, what: string, where: XmlElement): number {
  if (el === undefined) throw dataError(file, where.line, `<${where.name}> has no <${what}>`);
  return parseNumber(el.text, file, el.line, `<${what}>`);
}

/** Parse one annotation file's text. */
export function parseVocAnnotation(
  text: string,
  file: string,
): {
  filename?: string;
  width?: number;
  height?: number;
  /** Line of the <size> element the width and height come from. */
  sizeLine?: number;
  objects: { name: string; box: Box; line: number }[];
} {
  const root = parseXml(text, file);
  if (root.name !== 'annotation')
    throw dataError(file, root.line, `root element is <${root.name}>, expected <annotation>`);
  const out: ReturnType<typeof parseVocAnnotation> = { objects: [] };
  const fn = child(root, 'filename');
  if (fn !== undefined && fn.text.trim() !== '')
    out.filename = withoutControl(fn.text.trim(), file, fn.line, '<filename>');
  const size = child(root, 'size');
  if (size !== undefined) {
    const w = num(child(size, 'width'), file, 'width', size);
    const h = num(child(size, 'height'), file, 'height', size);
    // Some exports write 0x0 sizes: treat them as unknown rather than wrong.
    if (w > 0 && h > 0) {
      out.width = w;
      out.height = h;
      out.sizeLine = size.line;
    } else if (w < 0 || h < 0) {
      throw dataError(file, size.line, `negative image size ${w}x${h}`);
    }
  }
  for (const obj of children(root, 'object')) {
    const nameEl = child(obj, 'name');
    if (nameEl === undefined || nameEl.text.trim() === '')
      throw dataError(file, obj.line, '<object> has no <name>');
    withoutControl(nameEl.text.trim(), file, nameEl.line, '<name>');
    const bb = child(obj, 'bndbox');
    if (bb === undefined) throw dataError(file, obj.line, '<object> has no <bndbox>');
    const box: Box = {
      x0: num(child(bb, 'xmin'), file, 'xmin', bb),
      y0: num(child(bb, 'ymin'), file, 'ymin', bb),
      x1: num(child(bb, 'xmax'), file, 'xmax', bb),
      y1: num(child(bb, 'ymax'), file, 'ymax', bb),
    };
    checkBox(box, file, bb.line);
    out.objects.push({ name: nameEl.text.trim(), box, line: nameEl.line });
  }
  return out;
}

async function mapLimit<T, R>(input: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(input.length);
  let next = 0;
  const worker = async () => {
    while (next < input.length) {
      const i = next++;
      out[i] = await fn(input[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, input.length)) }, worker));
  return out;
}

export async function readVocDataset(root: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const absRoot = resolve(root);
  const annDir = findVocAnnotations(absRoot);
  if (annDir === undefined) throw dataError(absRoot, undefined, 'no Annotations/ or annotations/ folder');
  const imageDir =
    options.imageRoot !== undefined
      ? resolve(absRoot, options.imageRoot)
      : (IMAGE_DIRS.map((d) => join(absRoot, d)).find(isDir) ?? absRoot);

  // Image files by name and by stem, for <filename> with or without extension.
  const byName = new Map<string, string>();
  const byStem = new Map<string, string>();
  if (isDir(imageDir)) {
    for (const f of readdirSync(imageDir).sort()) {
      if (!IMAGE_EXTENSIONS.includes(extname(f).toLowerCase())) continue;
      byName.set(f, join(imageDir, f));
      const stem = basename(f, extname(f));
      if (!byStem.has(stem)) byStem.set(stem, join(imageDir, f));
    }
  }

  let classes: ClassList | undefined;
  const labels =
    options.labels ?? [join(absRoot, 'synsets.txt'), join(absRoot, 'labels.txt')].find((f) => existsSync(f));
  if (labels !== undefined) classes = await readClassList(labels);

  const xmlFiles = readdirSync(annDir)
    .filter((f) => f.toLowerCase().endsWith('.xml'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (xmlFiles.length === 0) throw dataError(annDir, undefined, 'no .xml annotation files');

  const problems = new ProblemList(absRoot, options.maxProblems);
  const confine = confinementFor(absRoot, options);
  const named: NamedClass[] = [];
  const read = await mapLimit(xmlFiles, options.concurrency ?? 32, (name) =>
    problems.guardAsync(async (): Promise<DatasetItem> => {
      withoutControl(name, annDir, undefined, 'annotation file name');
      const file = join(annDir, name);
      confine.assert(file, undefined, file);
      const ann = parseVocAnnotation(await readText(file), file);
      const stem = basename(name, extname(name));
      const image =
        (ann.filename !== undefined ? (byName.get(ann.filename) ?? byStem.get(ann.filename)) : undefined) ??
        byStem.get(stem) ??
        (ann.filename !== undefined ? byStem.get(basename(ann.filename, extname(ann.filename))) : undefined);
      if (image === undefined) {
        throw dataError(
          file,
          undefined,
          `no image for this annotation in ${imageDir}`,
          `expected ${stem}.jpg or <filename>`,
        );
      }
      confine.assert(image, undefined, file);
      const id = withoutControl(toId(absRoot, image), file, undefined, 'image path');
      const item: DatasetItem = {
        id,
        file: image,
        boxes: ann.objects.map((o) => o.box),
      };
      if (ann.width !== undefined && ann.height !== undefined) {
        item.width = ann.width;
        item.height = ann.height;
        item.sizeFrom = { file, line: ann.sizeLine };
      }
      for (const o of ann.objects) named.push({ name: o.name, file, line: o.line });
      if (ann.objects.length > 0) {
        item.boxClassNames = ann.objects.map((o) => o.name);
        const first = ann.objects[0]!.name;
        item.className = first;
        if (classes !== undefined) item.classIndex = classes.indexOf(first);
        else item.classIndex = -1;
      }
      return item;
    }),
  );
  if (classes !== undefined) for (const problem of unknownClassNames(classes, named)) problems.add(problem);
  problems.throwIfAny();
  const items = read.filter((item): item is DatasetItem => item !== undefined);

  const dataset: Dataset = { root: absRoot, format: 'voc-xml', items };
  if (classes !== undefined) {
    dataset.classNames = classes.names;
    dataset.classKeys = classes.keys;
  }
  return dataset;
}
