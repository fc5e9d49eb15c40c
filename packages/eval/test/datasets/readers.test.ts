import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataError } from '@cam-localize/core';
import { afterAll, describe, expect, it } from 'vitest';
import { detectDatasetFormat, readDataset } from '../../src/datasets/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-datasets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** A fresh dataset folder with the given files. */
function fixture(files: Record<string, string>): string {
  const root = join(tmp, `d${counter++}`);
  for (const [name, content] of Object.entries(files)) {
    const p = join(root, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

async function rejection(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

const wsolOk = {
  'image_ids.txt': 'images/a.jpg\nimages/b.jpg\n',
  'class_labels.txt': 'images/a.jpg,3\nimages/b.jpg,0\n',
  'image_sizes.txt': 'images/a.jpg,100,50\r\nimages/b.jpg,20,30\r\n',
  'localization.txt': 'images/a.jpg,1.5,2,10,20\nimages/a.jpg,0,0,99,49\nimages/b.jpg,1,1,2,2\n',
};

describe('wsolevaluation metadata', () => {
  it('reads ids, classes, sizes and float boxes as given', async () => {
    const root = fixture(wsolOk);
    expect(detectDatasetFormat(root)).toBe('wsol-metadata');
    const ds = await readDataset(root);
    expect(ds.format).toBe('wsol-metadata');
    expect(ds.items.map((i) => i.id)).toEqual(['images/a.jpg', 'images/b.jpg']);
    expect(ds.items[0]).toMatchObject({
      file: join(root, 'images/a.jpg'),
      width: 100,
      height: 50,
      classIndex: 3,
      boxes: [
        { x0: 1.5, y0: 2, x1: 10, y1: 20 },
        { x0: 0, y0: 0, x1: 99, y1: 49 },
      ],
    });
  });
  it('reads the mask variant of localization.txt', async () => {
    const root = fixture({
      'image_ids.txt': 'val/a.jpg\nval/b.jpg\n',
      'localization.txt': 'val/a.jpg,m/a1.png,m/a_ignore.png\nval/a.jpg,m/a2.png,\nval/b.jpg,m/b1.png,\n',
    });
    const ds = await readDataset(root, { maskRoot: 'masks' });
    expect(ds.items[0]!.mask).toEqual({
      files: [join(root, 'masks/m/a1.png'), join(root, 'masks/m/a2.png')],
      ignoreFile: join(root, 'masks/m/a_ignore.png'),
    });
    expect(ds.items[1]!.mask).toEqual({ files: [join(root, 'masks/m/b1.png')] });
    expect(ds.items[0]!.boxes).toEqual([]);
  });
  it.each([
    ['localization.txt', 'images/a.jpg,1,2,x,4\n', 1, /x1 is not a number/],
    ['localization.txt', 'images/a.jpg,1,2,3,4\nimages/a.jpg,1,2,3\n', 2, /expected 5 comma-separated/],
    [
      'localization.txt',
      'images/a.jpg,1,2,3,4\n\nimages/zzz.jpg,1,2,3,4\n',
      3,
      /unknown image id "images\/zzz.jpg"/,
    ],
    ['localization.txt', 'images/a.jpg,5,2,3,4\n', 1, /x0 <= x1/],
    ['class_labels.txt', 'images/a.jpg,-1\n', 1, /non-negative integer/],
    ['class_labels.txt', 'images/a.jpg,1,2\n', 1, /expected 2/],
    ['image_sizes.txt', 'images/a.jpg,0,5\n', 1, /width must be positive/],
    ['image_ids.txt', 'images/a.jpg\nimages/b.jpg\nimages/a.jpg\n', 3, /repeated \(first on line 1\)/],
  ])('reports %s errors with file and line (%#)', async (name, content, line, message) => {
    const root = fixture({ ...wsolOk, [name]: content });
    const e = await rejection(readDataset(root));
    expect(e.file).toBe(join(root, name));
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
    expect(e.toOneLine()).toContain(`${join(root, name)}:${line}:`);
  });
});

const voc = (
  name: string,
  objects: string,
  size = '<size><width>640</width><height>480</height><depth>3</depth></size>',
) => `<annotation><folder>x</folder><filename>${name}</filename>${size}${objects}</annotation>`;
const obj = (n: string, x0: number, y0: number, x1: number, y1: number) =>
  `<object><name>${n}</name><bndbox><xmin>${x0}</xmin><ymin>${y0}</ymin><xmax>${x1}</xmax><ymax>${y1}</ymax></bndbox></object>`;

describe('PASCAL VOC / ILSVRC XML', () => {
  it('reads sizes, boxes and classes through synsets.txt', async () => {
    const root = fixture({
      'Annotations/a.xml': voc('a.jpg', obj('n002', 1, 2, 30, 40) + obj('n001', 5, 5, 6, 6)),
      'Annotations/b.xml': voc('b', obj('n001', 0, 0, 10, 10)),
      'JPEGImages/a.jpg': '',
      'JPEGImages/b.JPEG': '',
      'synsets.txt': 'n001 one thing\nn002 two, things\n',
    });
    expect(detectDatasetFormat(root)).toBe('voc-xml');
    const ds = await readDataset(root);
    expect(ds.classKeys).toEqual(['n001', 'n002']);
    expect(ds.classNames).toEqual(['one thing', 'two, things']);
    expect(ds.items[0]).toMatchObject({
      id: 'JPEGImages/a.jpg',
      width: 640,
      height: 480,
      classIndex: 1,
      className: 'n002',
      boxClassNames: ['n002', 'n001'],
      boxes: [
        { x0: 1, y0: 2, x1: 30, y1: 40 },
        { x0: 5, y0: 5, x1: 6, y1: 6 },
      ],
    });
    expect(ds.items[1]).toMatchObject({ id: 'JPEGImages/b.JPEG', classIndex: 0, className: 'n001' });
    // A name unknown among known ones is a problem (hostile-readers.test.ts); none known: class -1.
    const agnostic = fixture({
      'Annotations/b.xml': voc('b', obj('raccoon', 0, 0, 10, 10)),
      'JPEGImages/b.JPEG': '',
      'synsets.txt': 'n001 one thing\n',
    });
    expect((await readDataset(agnostic)).items[0]).toMatchObject({ classIndex: -1, className: 'raccoon' });
  });
  it('reports malformed annotations with file and line', async () => {
    const cases: [string, RegExp][] = [
      [voc('a.jpg', obj('n', 1, 2, 3, 4)).replace('<xmax>3</xmax>', ''), /no <xmax>/],
      [
        voc('a.jpg', obj('n', 1, 2, 3, 4)).replace('<xmax>3</xmax>', '<xmax>3a</xmax>'),
        /<xmax> is not a number/,
      ],
      [voc('a.jpg', obj('n', 1, 2, 3, 4)).slice(0, 120), /not closed|truncated/],
      [`<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n${voc('a.jpg', '')}`, /DOCTYPE/],
      ['<root/>', /expected <annotation>/],
    ];
    for (const [content, message] of cases) {
      const root = fixture({ 'Annotations/a.xml': content, 'JPEGImages/a.jpg': '' });
      const e = await rejection(readDataset(root));
      expect(e.file).toBe(join(root, 'Annotations/a.xml'));
      expect(e.message).toMatch(message);
    }
    const noImage = fixture({ 'Annotations/a.xml': voc('a.jpg', ''), 'JPEGImages/z.jpg': '' });
    expect((await rejection(readDataset(noImage))).message).toMatch(/no image/);
  });
});

describe('CUB-200-2011', () => {
  const cub = {
    'images.txt': '1 001.Bird/a.jpg\n2 001.Bird/b.jpg\n3 002.Other/c.jpg\n',
    'image_class_labels.txt': '1 1\n2 1\n3 2\n',
    'bounding_boxes.txt': '1 60.0 27.0 325.0 304.0\n2 1.5 2.5 10.0 20.0\n3 0 0 5 5\n',
    'train_test_split.txt': '1 0\n2 1\n3 0\n',
    'classes.txt': '1 001.Bird\n2 002.Other\n',
  };
  it('reads splits, 0-based classes and x,y,w,h boxes as x0,y0,x1,y1', async () => {
    const root = fixture(cub);
    expect(detectDatasetFormat(root)).toBe('cub');
    const test = await readDataset(root);
    expect(test.items.map((i) => i.id)).toEqual(['001.Bird/a.jpg', '002.Other/c.jpg']);
    expect(test.items[0]).toMatchObject({
      file: join(root, 'images/001.Bird/a.jpg'),
      classIndex: 0,
      className: '001.Bird',
      boxes: [{ x0: 60, y0: 27, x1: 385, y1: 331 }],
    });
    expect((await readDataset(root, { split: 'train' })).items.map((i) => i.id)).toEqual(['001.Bird/b.jpg']);
    expect((await readDataset(root, { split: 'all' })).items).toHaveLength(3);
    expect(test.classNames).toEqual(['001.Bird', '002.Other']);
  });
  it('reports errors with file and line', async () => {
    let e = await rejection(readDataset(fixture({ ...cub, 'bounding_boxes.txt': '1 60 27 325\n' })));
    expect([e.line, e.message]).toEqual([1, expect.stringMatching(/expected 5 space-separated/)]);
    e = await rejection(readDataset(fixture({ ...cub, 'image_class_labels.txt': '1 1\n9 1\n' })));
    expect([e.line, e.message]).toEqual([2, expect.stringMatching(/unknown image number 9/)]);
    e = await rejection(readDataset(fixture({ ...cub, 'train_test_split.txt': '1 0\n2 7\n3 0\n' })));
    expect([e.line, e.message]).toEqual([2, expect.stringMatching(/0 or 1/)]);
  });
});

describe('ImageNet LOC_val_solution.csv', () => {
  const files = {
    'LOC_val_solution.csv':
      'ImageId,PredictionString\nILSVRC2012_val_00008726,n02119789 255 142 454 329 n02119789 44 21 322 295 \nILSVRC2012_val_00000001,n01440764 1 2 3 4\n',
    'LOC_synset_mapping.txt': 'n01440764 tench, Tinca tinca\nn02119789 kit fox, Vulpes macrotis\n',
    'ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00008726.JPEG': '',
  };
  it('reads boxes and maps wnids through LOC_synset_mapping.txt', async () => {
    const root = fixture(files);
    expect(detectDatasetFormat(root)).toBe('imagenet-csv');
    const ds = await readDataset(root);
    expect(ds.items[0]).toMatchObject({
      id: 'ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00008726.JPEG',
      classIndex: 1,
      boxes: [
        { x0: 255, y0: 142, x1: 454, y1: 329 },
        { x0: 44, y0: 21, x1: 322, y1: 295 },
      ],
    });
    expect(ds.items[1]).toMatchObject({ classIndex: 0, className: 'n01440764' });
    expect(ds.items[0]!.width).toBeUndefined();
    // The CSV file itself also works as the dataset path.
    expect((await readDataset(join(root, 'LOC_val_solution.csv'))).items).toHaveLength(2);
  });
  it('reports bad rows with the line', async () => {
    let e = await rejection(
      readDataset(fixture({ ...files, 'LOC_val_solution.csv': 'ImageId,PredictionString\nX,n1 1 2 3\n' })),
    );
    expect([e.line, e.message]).toEqual([2, expect.stringMatching(/groups of 5/)]);
    e = await rejection(readDataset(fixture({ ...files, 'LOC_val_solution.csv': 'Id,Boxes\n' })));
    expect([e.line, e.message]).toEqual([1, expect.stringMatching(/header/)]);
  });
});

describe('plain folder of images', () => {
  it('lists images recursively, sorted, without ground truth', async () => {
    const root = fixture({ 'b.png': '', 'sub/a.JPG': '', 'notes.txt': '', '.hidden/x.jpg': '' });
    expect(detectDatasetFormat(root)).toBe('folder');
    const ds = await readDataset(root);
    expect(ds.items.map((i) => i.id)).toEqual(['b.png', 'sub/a.JPG']);
    expect(ds.items[0]!.boxes).toEqual([]);
  });
  it('says so when there is nothing', async () => {
    expect((await rejection(readDataset(fixture({ 'a.txt': '' })))).message).toMatch(/no images/);
    expect((await rejection(readDataset(join(tmp, 'does-not-exist')))).message).toMatch(/not found/);
  });
});
