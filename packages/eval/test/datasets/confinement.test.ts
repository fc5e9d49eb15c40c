import { dirname, join } from 'node:path';
import { DataError, DatasetProblemsError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../../src/datasets/index.js';
import { layouts } from './layout.js';

/** `outside`: a file outside every dataset root of this test. */
const { outside, fixture } = layouts('eval-confine-', 'secret.jpg');

async function rejection(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

const voc = (name: string) =>
  `<annotation><filename>${name}</filename><size><width>10</width><height>10</height></size>` +
  '<object><name>n1</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>';

describe('paths outside the dataset root', () => {
  const cases: [string, () => string, string, number | undefined, RegExp][] = [
    [
      'wsolevaluation: an absolute image id',
      () => fixture({ 'image_ids.txt': `a.jpg\n${outside}\n`, 'a.jpg': '' }),
      'image_ids.txt',
      2,
      /is absolute/,
    ],
    [
      'wsolevaluation: an image id that climbs out with ..',
      () => fixture({ 'image_ids.txt': 'a.jpg\n\n../elsewhere/secret.jpg\n', 'a.jpg': '' }),
      'image_ids.txt',
      3,
      /resolves outside the dataset root/,
    ],
    [
      'wsolevaluation: a mask path that climbs out',
      () =>
        fixture({
          'image_ids.txt': 'a.jpg\n',
          'localization.txt': 'a.jpg,m/a.png,../elsewhere/secret.jpg\n',
        }),
      'localization.txt',
      1,
      /resolves outside/,
    ],
    [
      'CUB: an images.txt path that climbs out',
      () =>
        fixture({
          'images.txt': '1 ../../elsewhere/secret.jpg\n',
          'bounding_boxes.txt': '1 0 0 2 2\n',
          'train_test_split.txt': '1 0\n',
        }),
      'images.txt',
      1,
      /resolves outside/,
    ],
    [
      'LOC_val_solution.csv: an ImageId that climbs out',
      () =>
        fixture({
          'LOC_val_solution.csv': 'ImageId,PredictionString\n../../elsewhere/x,n1 1 1 2 2\n',
          'val/.keep': '',
        }),
      'LOC_val_solution.csv',
      2,
      /resolves outside/,
    ],
  ];
  it.each(cases)(
    '%s is refused with file and line, and readable on request',
    async (_, make, file, line, message) => {
      const root = make();
      const e = await rejection(readDataset(root));
      expect(e.file).toBe(join(root, file));
      expect(e.line).toBe(line);
      expect(e.message).toMatch(message);
      expect(e.hint).toContain('`allowOutsideRoot`');
      const ds = await readDataset(root, { allowOutsideRoot: true });
      expect(ds.items.length).toBeGreaterThan(0);
    },
  );
  it.each([
    [
      'wsolevaluation: an image that is a link to a file outside',
      () => fixture({ 'image_ids.txt': 'val/a.jpg\n' }, { 'val/a.jpg': outside }),
      'val/a.jpg',
    ],
    [
      'wsolevaluation: an image under a linked folder outside (ImageNet laid out with a link)',
      () => fixture({ 'image_ids.txt': 'val/secret.jpg\n' }, { val: dirname(outside) }),
      'val/secret.jpg',
    ],
    [
      'VOC: an image that is a link to a file outside',
      () => fixture({ 'Annotations/a.xml': voc('a.jpg') }, { 'JPEGImages/a.jpg': outside }),
      'JPEGImages/a.jpg',
    ],
    [
      'a plain folder: a link to an image outside',
      () => fixture({ 'a.jpg': '' }, { 'b.jpg': outside }),
      'b.jpg',
    ],
  ])('%s is followed (links in the dataset folder are read, issue 26)', async (_, make, linked) => {
    const root = make();
    const files = (await readDataset(root)).items.map((i) => i.file);
    expect(files).toContain(join(root, linked));
  });
  it('links that stay inside the root are read', async () => {
    const root = fixture({ 'store/a.jpg': '', 'image_ids.txt': 'val/a.jpg\n' }, { val: 'store' });
    expect((await readDataset(root)).items[0]!.file).toBe(join(root, 'val/a.jpg'));
  });
});

describe('every problem in one pass', () => {
  it('wsolevaluation: bad lines across the files are listed together, each with file:line', async () => {
    const root = fixture({
      'image_ids.txt': 'a.jpg\nb.jpg\n',
      'class_labels.txt': 'a.jpg,x\nb.jpg,1\n',
      'image_sizes.txt': 'a.jpg,10,10\nb.jpg,0,10\n',
      'localization.txt': 'a.jpg,1,1,5,5\nzzz.jpg,1,1,2,2\nb.jpg,5,1,2,2\n',
    });
    const e = await rejection(readDataset(root));
    expect(e).toBeInstanceOf(DatasetProblemsError);
    const all = e as DatasetProblemsError;
    expect(all.total).toBe(4);
    expect(all.problems.map((p) => `${p.file}:${p.line}`)).toEqual([
      `${join(root, 'class_labels.txt')}:1`,
      `${join(root, 'image_sizes.txt')}:2`,
      `${join(root, 'localization.txt')}:2`,
      `${join(root, 'localization.txt')}:3`,
    ]);
    const printed = all.toOneLine().split('\n');
    expect(printed[0]).toMatch(/^4 problems in the dataset/);
    expect(printed.slice(1).map((l) => l.trim().split(': ')[0])).toEqual(
      all.problems.map((p) => `${p.file}:${p.line}`),
    );
  });
  it('VOC: several bad annotation files are listed together', async () => {
    const root = fixture({
      'Annotations/a.xml': voc('a.jpg').replace('<xmax>5</xmax>', ''),
      'Annotations/b.xml': voc('b.jpg'),
      'Annotations/c.xml': '<root/>',
      'Annotations/d.xml': voc('missing.jpg'),
      'JPEGImages/a.jpg': '',
      'JPEGImages/b.jpg': '',
      'JPEGImages/c.jpg': '',
    });
    const e = (await rejection(readDataset(root))) as DatasetProblemsError;
    expect(e).toBeInstanceOf(DatasetProblemsError);
    expect(e.problems.map((p) => p.file)).toEqual(
      ['a.xml', 'c.xml', 'd.xml'].map((f) => join(root, 'Annotations', f)),
    );
  });
  it('the list stops at the cap and counts the rest', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `a.jpg,${i},1,0,2\n`).join('');
    const root = fixture({ 'image_ids.txt': 'a.jpg\n', 'localization.txt': lines });
    const e = (await rejection(readDataset(root, { maxProblems: 5 }))) as DatasetProblemsError;
    expect([e.total, e.problems.length]).toEqual([29, 5]);
    expect(e.toOneLine()).toContain('... and 24 more');
  });
});

describe('plain folder: symbolic links', () => {
  it('follows links to files and folders inside the root', async () => {
    const root = fixture(
      { 'store/a.jpg': '', 'store/deep/b.png': '' },
      { images: 'store', 'c.jpg': 'store/a.jpg' },
    );
    const ids = (await readDataset(join(root, 'images'))).items.map((i) => i.id);
    expect(ids).toEqual(['a.jpg', 'deep/b.png']);
    const all = (await readDataset(root)).items.map((i) => i.id);
    // store/ is entered once: through the link `images` or the folder itself, whichever comes first.
    expect(all).toContain('c.jpg');
    expect(all).toHaveLength(3);
  });
  it('ends at a loop of links (each real folder once)', async () => {
    const root = fixture(
      { 'a.jpg': '', 'sub/b.jpg': '', 'sub/c.jpg': '' },
      { 'sub/up': '..', 'sub/again': '../sub' },
    );
    const ids = (await readDataset(root)).items.map((i) => i.id);
    expect(ids).toEqual(['a.jpg', 'sub/b.jpg', 'sub/c.jpg']);
  });
});
