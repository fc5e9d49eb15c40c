import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Box, writeImage } from '@cam-localize/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset, DatasetItem } from '../src/datasets/types.js';
import {
  checkGroundTruth,
  clipBoxesToImage,
  describeIncomplete,
  stripIncomplete,
} from '../src/ground-truth.js';
import { resizeBoxWsol } from '../src/iou.js';
import { writeScoreMapNpy } from '../src/npy.js';
import { scoreCamDirectory } from '../src/score-cams.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-gt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const item = (id: string, extra: Partial<DatasetItem> = {}): DatasetItem => ({
  id,
  file: join(tmp, id),
  boxes: [{ x0: 1, y0: 1, x1: 5, y1: 5 }],
  classIndex: 0,
  ...extra,
});
/** An item without a class label. */
const unlabeled = (it: DatasetItem): DatasetItem => {
  const { classIndex: _, ...rest } = it;
  return rest;
};

describe('checkGroundTruth', () => {
  it('names the images without a label or boxes their dataset has, and strips their ground truth', () => {
    const items = [
      item('a'),
      unlabeled(item('b')),
      item('c', { boxes: [] }),
      unlabeled(item('d', { boxes: [] })),
    ];
    const check = checkGroundTruth(items);
    expect(check.incomplete).toEqual([
      { id: 'b', missing: ['class label'] },
      { id: 'c', missing: ['boxes'] },
      { id: 'd', missing: ['class label', 'boxes'] },
    ]);
    expect(describeIncomplete(check, 4, 2)).toBe(
      '3 of 4 images lack ground truth the rest of the dataset has: b (no class label), c (no boxes), ... and 1 more',
    );
    const stripped = stripIncomplete(items, check);
    expect(stripped[0]).toBe(items[0]);
    expect(stripped[1]).toMatchObject({ id: 'b', boxes: [], missingGroundTruth: ['class label'] });
    expect(stripped[1]!.classIndex).toBeUndefined();
  });
  it('asks nothing a dataset does not carry: a folder without labels or boxes, a mask dataset without boxes', () => {
    expect(checkGroundTruth([unlabeled(item('a', { boxes: [] }))]).incomplete).toEqual([]);
    const masks = [item('a', { boxes: [], mask: { files: ['m.png'] } }), item('b', { boxes: [] })];
    expect(checkGroundTruth(masks).incomplete).toEqual([{ id: 'b', missing: ['mask'] }]);
  });
});

describe('clipBoxesToImage', () => {
  it('clips x to [0, width] and y to [0, height], leaves boxes inside (x1 = width too) as given, counts', () => {
    const boxes: Box[] = [
      { x0: 0, y0: 0, x1: 100, y1: 50 },
      { x0: 10.5, y0: 2, x1: 20.25, y1: 3 },
      { x0: -5, y0: 10, x1: 120, y1: 60 },
    ];
    const out = clipBoxesToImage(boxes, 100, 50);
    expect(out.clipped).toBe(1);
    expect(out.boxes[0]).toBe(boxes[0]);
    expect(out.boxes[1]).toBe(boxes[1]);
    expect(out.boxes[2]).toEqual({ x0: 0, y0: 10, x1: 100, y1: 50 });
  });
});

describe('scoreCamDirectory: sizes and boxes', () => {
  it('reads a missing image size from the header, and scores a box past the image as its clipped self', async () => {
    mkdirSync(join(tmp, 'img'), { recursive: true });
    await writeImage(join(tmp, 'img', 'a.png'), { width: 40, height: 20, data: new Uint8Array(40 * 20 * 3) });
    const cams = join(tmp, 'cams');
    mkdirSync(join(cams, 'img'), { recursive: true });
    // A map that is exactly the clipped box in the 224 frame.
    const clipped = resizeBoxWsol({ x0: 0, y0: 5, x1: 40, y1: 15 }, 40, 20, 224, 224);
    const data = new Float32Array(224 * 224);
    for (let y = clipped.y0; y <= Math.min(223, clipped.y1); y++)
      for (let x = clipped.x0; x <= Math.min(223, clipped.x1); x++) data[y * 224 + x] = 1;
    writeScoreMapNpy(join(cams, 'img', 'a.png.npy'), { width: 224, height: 224, data });
    const dataset: Dataset = {
      root: tmp,
      format: 'cub',
      items: [
        { id: 'img/a.png', file: join(tmp, 'img', 'a.png'), boxes: [{ x0: -10, y0: 5, x1: 60, y1: 15 }] },
      ],
    };
    const result = await scoreCamDirectory(dataset, cams, { workers: 0 });
    expect(result.problems).toEqual([]);
    expect(result.clippedBoxes).toBe(1);
    expect(result.metrics.levels.find((l) => l.iouThreshold === 70)!.maxBoxAcc).toBe(100);
    // Without a readable header, the image is reported, not scored.
    const gone: Dataset = {
      ...dataset,
      items: [{ ...dataset.items[0]!, file: join(tmp, 'img', 'none.png') }],
    };
    const missing = await scoreCamDirectory(gone, cams, { workers: 0 });
    expect(missing.problemCounts['no-image-size']).toBe(1);
    expect(missing.problems[0]!.message).toContain('none.png');
  });
});
