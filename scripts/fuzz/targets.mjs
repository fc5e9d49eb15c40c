/**
 * What `pnpm fuzz` feeds: results.jsonl through the report's replay (the parse and the
 * evaluators behind it), every dataset reader through `readDataset` on a folder rewritten for each
 * input, and the .npy reader on bytes. Each target gives an input from a seeded generator and runs
 * it; a typed CamLocalizeError is the expected refusal, anything else escaped.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutateBytes, mutateJsonLines, mutateText } from './mutate.mjs';

const dist = (root, pkg, path) => join(root, 'packages', pkg, 'dist', path);

const RECORD = (id, found) => ({
  id,
  file: `/data/set/${id}`,
  status: 'ok',
  width: 100,
  height: 80,
  gtClass: 1,
  gtName: 'one',
  gtBoxes: [[10, 10, 60, 50]],
  top: [
    { class: 1, name: 'one', score: 0.9 },
    { class: 2, score: 0.05 },
  ],
  predicted: { class: 1, boxes: [[12, 10, 58, 52]], iou: found ? 0.8 : 0.1 },
  groundTruth: { class: 1, boxes: [[12, 10, 58, 52]], iou: found ? 0.8 : 0.1 },
  loc: {
    gtKnownLoc: found,
    top1Loc: found,
    topKLoc: found,
    top1Cls: true,
    topKCls: true,
    predictedClassLoc: found,
  },
  boxAcc: { 30: found ? [[0, 400]] : [], 50: found ? [[0, 300]] : [], 70: [] },
  pxap: { fg: [3, 10, 90, 2], bg: [0, 40, 5, 1] },
  clippedBoxes: 0,
  timing: { prepareMs: 1, inferMs: 2, camMs: 3 },
});

const RUN_CONFIG = {
  command: 'run',
  dataset: '/data/set',
  format: 'wsol-metadata',
  model: '/m.onnx',
  labels: null,
  protocol: 'cam-localize',
  method: 'cam',
  target: 'predicted',
  normalization: 'relu-minmax',
  threshold: '0.2',
  boxes: 'largest',
  boxAccuracy: { multiContour: true, iouLevels: [30, 50, 70] },
  connectivity: 8,
  minArea: 1,
  device: 'cpu',
  batch: 8,
  limit: null,
  preprocess: {},
  preprocessFlags: {},
  head: { featureTensor: null, classifierWeights: null, classifierBias: null },
};

const VOC = (name, objects) =>
  `<annotation><folder>x</folder><filename>${name}</filename><size><width>640</width><height>480</height><depth>3</depth></size>${objects}</annotation>`;
const OBJ = (n, x0, y0, x1, y1) =>
  `<object><name>${n}</name><bndbox><xmin>${x0}</xmin><ymin>${y0}</ymin><xmax>${x1}</xmax><ymax>${y1}</ymax></bndbox></object>`;

/** Valid layouts per reader: annotation files (mutated) and image files (left as they are). */
const LAYOUTS = {
  'wsol-metadata': {
    text: {
      'image_ids.txt': 'images/a.jpg\nimages/b.jpg\n',
      'class_labels.txt': 'images/a.jpg,3\nimages/b.jpg,0\n',
      'image_sizes.txt': 'images/a.jpg,100,50\nimages/b.jpg,20,30\n',
      'localization.txt': 'images/a.jpg,1.5,2,10,20\nimages/a.jpg,0,0,99,49\nimages/b.jpg,1,1,2,2\n',
    },
    images: ['images/a.jpg', 'images/b.jpg'],
  },
  cub: {
    text: {
      'images.txt': '1 001.Bird/a.jpg\n2 001.Bird/b.jpg\n3 002.Other/c.jpg\n',
      'image_class_labels.txt': '1 1\n2 1\n3 2\n',
      'bounding_boxes.txt': '1 60.0 27.0 325.0 304.0\n2 1.5 2.5 10.0 20.0\n3 0 0 5 5\n',
      'train_test_split.txt': '1 0\n2 1\n3 0\n',
      'classes.txt': '1 001.Bird\n2 002.Other\n',
    },
    images: ['images/001.Bird/a.jpg', 'images/001.Bird/b.jpg', 'images/002.Other/c.jpg'],
  },
  'imagenet-csv': {
    text: {
      'LOC_val_solution.csv':
        'ImageId,PredictionString\nILSVRC2012_val_00008726,n02119789 255 142 454 329 n02119789 44 21 322 295 \nILSVRC2012_val_00000001,n01440764 1 2 3 4\n',
      'LOC_synset_mapping.txt': 'n01440764 tench, Tinca tinca\nn02119789 kit fox, Vulpes macrotis\n',
    },
    images: [
      'ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00008726.JPEG',
      'ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000001.JPEG',
    ],
  },
  'voc-xml': {
    text: {
      'Annotations/a.xml': VOC('a.jpg', OBJ('n002', 1, 2, 30, 40) + OBJ('n001', 5, 5, 6, 6)),
      'Annotations/b.xml': VOC('b', OBJ('n001', 0, 0, 10, 10)),
      'synsets.txt': 'n001 one thing\nn002 two, things\n',
    },
    images: ['JPEGImages/a.jpg', 'JPEGImages/b.JPEG'],
  },
};

/** A dataset reader target: each input rewrites one or two annotation files of a fixed folder. */
function readerTarget(format, readDataset, work) {
  const layout = LAYOUTS[format];
  if (layout === undefined)
    throw new Error(`no seed layout for the dataset format ${format}: add one to LAYOUTS`);
  const root = join(work, format);
  rmSync(root, { recursive: true, force: true });
  for (const image of layout.images) {
    mkdirSync(join(root, image, '..'), { recursive: true });
    writeFileSync(join(root, image), '');
  }
  const names = Object.keys(layout.text);
  return {
    name: `dataset reader ${format}`,
    generate(next) {
      const files = { ...layout.text };
      const count = 1 + Math.floor(next() * 2);
      for (let i = 0; i < count; i++) {
        const name = names[Math.floor(next() * names.length)];
        files[name] = mutateText(next, files[name]);
      }
      return files;
    },
    async run(files) {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(root, name, '..'), { recursive: true });
        writeFileSync(join(root, name), text);
      }
      await readDataset(root, { format });
    },
    save: (files) => JSON.stringify(files, null, 1),
  };
}

/** The plain-folder reader: random file names (separators, NULs, dots, long names) in a fresh folder. */
function folderTarget(readDataset, work) {
  const root = join(work, 'folder');
  const parts = [
    'a',
    'b.jpg',
    'c.PNG',
    '.x',
    '..',
    'sub',
    'é.jpeg',
    'x\x01.jpg',
    ' ',
    'a'.repeat(200),
    'n.webp',
    '.jpg',
  ];
  return {
    name: 'dataset reader folder',
    generate(next) {
      return Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
        Array.from(
          { length: 1 + Math.floor(next() * 3) },
          () => parts[Math.floor(next() * parts.length)],
        ).join(next() < 0.5 ? '/' : ''),
      );
    },
    async run(names) {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      for (const name of names) {
        const path = join(root, name);
        if (!path.startsWith(`${root}/`)) continue;
        try {
          mkdirSync(join(path, '..'), { recursive: true });
          writeFileSync(path, '');
        } catch {
          // A name the file system refuses (a file where a folder is needed): not an input.
        }
      }
      await readDataset(root, { format: 'folder' });
    },
    save: (names) => JSON.stringify(names),
  };
}

/** results.jsonl through the report's replay (validation, then every evaluator). */
function resultsTarget(analyseRun, work) {
  const dir = join(work, 'run');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(RUN_CONFIG));
  const seed = [
    RECORD('a', true),
    RECORD('b', false),
    { id: 'c', file: '/data/set/c', status: 'error', error: 'x' },
  ]
    .map((r) => `${JSON.stringify(r)}\n`)
    .join('');
  return {
    name: 'results.jsonl (report replay)',
    generate: (next) => mutateJsonLines(next, seed),
    async run(text) {
      writeFileSync(join(dir, 'results.jsonl'), text);
      await analyseRun(dir, { galleryCount: 2 });
    },
    save: (text) => text,
  };
}

/** The .npy reader, as `eval --cams` reads a map: parse, then the score-map shape check. */
function npyTarget(npy) {
  const seeds = [
    npy.encodeNpyFloat32([2, 3], [0, 0.5, 1, 0.25, 0.75, 1]),
    npy.encodeNpyFloat32([1, 4, 4], new Array(16).fill(0.5)),
    npy.encodeNpyFloat32([3], [1, 2, 3]),
  ];
  return {
    name: '.npy reader',
    generate: (next) => mutateBytes(next, seeds[Math.floor(next() * seeds.length)]),
    async run(bytes) {
      npy.npyToScoreMap(npy.parseNpy(bytes, 'map.npy'), 'map.npy');
    },
    save: (bytes) => Buffer.from(bytes),
  };
}

/** Every target, over the built packages under `root`, working in `work`. */
export async function fuzzTargets(root, work) {
  const { readDataset, DATASET_FORMATS } = await import(dist(root, 'eval', 'index.js'));
  const npy = await import(dist(root, 'eval', 'npy.js'));
  const { analyseRun } = await import(dist(root, 'cli', 'reporting/run-analysis.js'));
  const readers = DATASET_FORMATS.filter((f) => f !== 'folder').map((f) =>
    readerTarget(f, readDataset, work),
  );
  return [resultsTarget(analyseRun, work), ...readers, folderTarget(readDataset, work), npyTarget(npy)];
}
