import { join } from 'node:path';
import { type CamLocalizeError, DataError, DatasetProblemsError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../../src/datasets/index.js';
import { layouts } from './layout.js';

const { outside, fixture } = layouts('eval-hostile-', 'secret.JPEG');

/** Every problem of a refused read, as `file:line: message`. */
async function problemsOf(p: Promise<unknown>): Promise<{ file: string; line?: number; message: string }[]> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    const list = e instanceof DatasetProblemsError ? e.problems : [e as CamLocalizeError];
    return list.map((x) => ({
      file: x.file!,
      ...(x.line === undefined ? {} : { line: x.line }),
      message: x.message,
    }));
  }
  throw new Error('expected a DataError');
}

const wsol = (ids: string, extra: Record<string, string> = {}) => ({
  'image_ids.txt': ids,
  'localization.txt': ids
    .split('\n')
    .filter((l) => l !== '')
    .map((id) => `${id},1,1,5,5`)
    .join('\n'),
  ...extra,
});

const voc = (filename: string, names: string[], size = '<size><width>10</width><height>10</height></size>') =>
  `<annotation><filename>${filename}</filename>${size}\n${names
    .map(
      (n) =>
        `<object>\n<name>${n}</name>\n<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>\n`,
    )
    .join('')}</annotation>`;

describe('control characters in ids, paths and names', () => {
  it('a NUL byte in an image id (which libvips would cut before a link leading out) is refused', async () => {
    const root = fixture(wsol('images/ok.JPEG\nimages/link.JPEG\0x\n', { 'images/ok.JPEG': '' }), {
      'images/link.JPEG': outside,
    });
    const problems = await problemsOf(readDataset(root));
    expect(problems).toEqual([
      {
        file: join(root, 'image_ids.txt'),
        line: 2,
        message: expect.stringMatching(
          /image id "images\/link.JPEG\\u0000x" contains the control character U\+0000/,
        ),
      },
    ]);
  });

  it('every reader refuses control characters, with file:line', async () => {
    const cases: [Record<string, string>, string, number | undefined, RegExp][] = [
      [wsol('a.jpg\nb\x1b[31m.jpg\n'), 'image_ids.txt', 2, /U\+001B/],
      [
        {
          'image_ids.txt': 'a.png\n',
          'localization.txt': 'a.png,masks/a.png\0.txt,\n',
        },
        'localization.txt',
        1,
        /mask path .* U\+0000/,
      ],
      [
        {
          'LOC_val_solution.csv': 'ImageId,PredictionString\nA\0B,n1 1 1 5 5\n',
          'images/A.JPEG': '',
        },
        'LOC_val_solution.csv',
        2,
        /ImageId .* U\+0000/,
      ],
      [
        {
          'images.txt': '1 a/b.jpg\n2 a/c\u0085.jpg\n',
          'bounding_boxes.txt': '1 0 0 5 5\n2 0 0 5 5\n',
          'train_test_split.txt': '1 0\n2 0\n',
        },
        'images.txt',
        2,
        /image path .* U\+0085/,
      ],
      [
        { 'Annotations/a.xml': voc('a&#1;.jpg', ['n1']), 'JPEGImages/a.jpg': '' },
        'Annotations/a.xml',
        1,
        /<filename> .* U\+0001/,
      ],
      [
        { 'Annotations/a.xml': voc('a.jpg', ['n&#27;1']), 'JPEGImages/a.jpg': '' },
        'Annotations/a.xml',
        3,
        /<name> .* U\+001B/,
      ],
      [
        { 'Annotations/a\x07.xml': voc('a.jpg', ['n1']), 'JPEGImages/a.jpg': '' },
        'Annotations',
        undefined,
        /annotation file name .* U\+0007/,
      ],
      [{ 'ok.jpg': '', 'sub/x\x1b[2J.jpg': '' }, 'sub', undefined, /path "sub\/x\\u001b\[2J.jpg"/],
      [{ ...wsol('a.jpg\n'), 'synsets.txt': 'n1 one\nn2\0 two\n' }, 'synsets.txt', 2, /class key .* U\+0000/],
    ];
    for (const [files, file, line, message] of cases) {
      const root = fixture(files);
      const problems = await problemsOf(readDataset(root));
      expect(problems, file).toEqual([
        {
          file: join(root, file),
          ...(line === undefined ? {} : { line }),
          message: expect.stringMatching(message),
        },
      ]);
    }
  });

  it('a tab inside a readable class name reads as a space', async () => {
    const root = fixture({
      ...wsol('a.jpg\n'),
      'class_labels.txt': 'a.jpg,0\n',
      'synsets.txt': 'n1\tkit\tfox\n',
    });
    expect((await readDataset(root)).classNames).toEqual(['kit fox']);
  });
});

describe('absurd numbers', () => {
  it('refuses non-finite and out-of-range sizes, coordinates and class indices, with file:line', async () => {
    const huge = '9'.repeat(400);
    const root = fixture({
      'image_ids.txt': 'a.jpg\nb.jpg\nc.jpg\nd.jpg\n',
      'image_sizes.txt': `a.jpg,${huge},227\nb.jpg,227,20000000\nc.jpg,227,227\nd.jpg,227,227\n`,
      'class_labels.txt': `a.jpg,0\nb.jpg,0\nc.jpg,${huge}\nd.jpg,0\n`,
      'localization.txt': `a.jpg,1,1,5,5\nb.jpg,1,1,5,5\nc.jpg,1,1,5,5\nd.jpg,1,1,1e400,5\nd.jpg,-2e7,1,5,5\n`,
    });
    const problems = await problemsOf(readDataset(root));
    expect(problems.map((p) => `${p.file.slice(root.length + 1)}:${p.line}`)).toEqual([
      'class_labels.txt:3',
      'image_sizes.txt:1',
      'image_sizes.txt:2',
      'localization.txt:4',
      'localization.txt:5',
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/class index 9{400} is out of range/),
      expect.stringMatching(/width 1e\+400|width 9{400} is out of range/),
      expect.stringMatching(/height 20000000 is out of range \(at most 10000000 pixels\)/),
      expect.stringMatching(/x1 1e400 is out of range/),
      expect.stringMatching(/x0 -2e7 is out of range/),
    ]);
  });

  it('VOC: a <size> or a coordinate out of range is refused at its line', async () => {
    const root = fixture({
      'Annotations/a.xml': voc('a.jpg', ['n1'], '<size>\n<width>1e30</width><height>10</height></size>'),
      'JPEGImages/a.jpg': '',
    });
    const problems = await problemsOf(readDataset(root));
    expect(problems).toEqual([
      {
        file: join(root, 'Annotations/a.xml'),
        line: 2,
        message: expect.stringMatching(/<width> 1e30 is out of range/),
      },
    ]);
  });
});

describe('class names the class list does not know', () => {
  it('VOC: one unknown <name> among known ones is a problem at its line; a class-agnostic dataset is not', async () => {
    const files = {
      'Annotations/a.xml': voc('a.jpg', ['cat', 'dog']),
      'Annotations/b.xml': voc('b.jpg', ['dgo']),
      'JPEGImages/a.jpg': '',
      'JPEGImages/b.jpg': '',
      'labels.txt': 'cat\ndog\n',
    };
    const root = fixture(files);
    expect(await problemsOf(readDataset(root))).toEqual([
      {
        file: join(root, 'Annotations/b.xml'),
        line: 3,
        message: `class "dgo" is not in the class list ${join(root, 'labels.txt')}`,
      },
    ]);
    // None of the names in the list (raccoon photos against ImageNet's wnids): class -1, no problem.
    const agnostic = fixture({ ...files, 'labels.txt': 'n01440764\nn01443537\n' });
    expect((await readDataset(agnostic)).items.map((i) => i.classIndex)).toEqual([-1, -1]);
  });

  it('LOC_val_solution.csv: an unknown wnid among known ones is a problem at its line', async () => {
    const root = fixture({
      'LOC_val_solution.csv': 'ImageId,PredictionString\nA,n01440764 1 1 5 5\nB,n0l440764 1 1 5 5\n',
      'LOC_synset_mapping.txt': 'n01440764 tench\n',
      'images/A.JPEG': '',
      'images/B.JPEG': '',
    });
    expect(await problemsOf(readDataset(root))).toEqual([
      {
        file: join(root, 'LOC_val_solution.csv'),
        line: 3,
        message: expect.stringMatching(/class "n0l440764" is not in the class list/),
      },
    ]);
  });
});
