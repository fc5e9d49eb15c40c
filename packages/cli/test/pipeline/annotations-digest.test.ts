import type { Dataset, DatasetItem } from '@cam-localize/eval';
import { describe, expect, it } from 'vitest';
import { annotationsDigest } from '../../src/pipeline/annotations-digest.js';

const item = (id: string): DatasetItem => ({
  id,
  file: `/data/set/${id}`,
  width: 500,
  height: 375,
  classIndex: 3,
  className: 'n01',
  boxes: [{ x0: 10, y0: 20, x1: 200, y1: 300 }],
});
const dataset = (items: DatasetItem[], root = '/data/set'): Pick<Dataset, 'root' | 'items'> => ({
  root,
  items,
});

describe('annotationsDigest', () => {
  const base = [item('a.jpg'), item('b.jpg')];
  const digest = annotationsDigest(dataset(base));

  it('is the same for the same annotations, wherever the dataset folder lies', () => {
    expect(annotationsDigest(dataset([item('a.jpg'), item('b.jpg')]))).toBe(digest);
    const moved = [item('a.jpg'), item('b.jpg')].map((i) => ({
      ...i,
      file: i.file.replace('/data', '/mnt'),
    }));
    expect(annotationsDigest(dataset(moved, '/mnt/set'))).toBe(digest);
  });

  it.each<[string, (i: DatasetItem) => DatasetItem]>([
    ['an id', (i) => ({ ...i, id: 'c.jpg' })],
    ['a class', (i) => ({ ...i, classIndex: 4 })],
    ['a class name', (i) => ({ ...i, className: 'n02' })],
    ['a box edge', (i) => ({ ...i, boxes: [{ ...i.boxes[0]!, x1: 201 }] })],
    ['a box more', (i) => ({ ...i, boxes: [...i.boxes, { x0: 0, y0: 0, x1: 1, y1: 1 }] })],
    ['a stored width', (i) => ({ ...i, width: 2270 })],
    ['a stored height', (i) => ({ ...i, height: 22 })],
    ['a mask', (i) => ({ ...i, mask: { files: ['/data/set/masks/a.png'] } })],
    ['missing ground truth', (i) => ({ ...i, missingGroundTruth: ['boxes'] })],
  ])('changes with %s', (_, change) => {
    expect(annotationsDigest(dataset([change(item('a.jpg')), item('b.jpg')]))).not.toBe(digest);
  });

  it('changes with the order and the number of images', () => {
    expect(annotationsDigest(dataset([item('b.jpg'), item('a.jpg')]))).not.toBe(digest);
    expect(annotationsDigest(dataset([item('a.jpg')]))).not.toBe(digest);
  });
});
