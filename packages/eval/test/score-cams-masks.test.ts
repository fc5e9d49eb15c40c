import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeGrayPng, resampleScoreMap, type ScoreMap } from '@cam-localize/core';
import { thresholdGrid } from '@cam-localize/localize';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset } from '../src/datasets/index.js';
import type { Dataset } from '../src/datasets/types.js';
import { normalizeMinMaxWsol64 } from '../src/evaluation-protocol.js';
import { writeScoreMapNpy } from '../src/npy.js';
import { scoreCamDirectory } from '../src/score-cams.js';
import { rng } from './synthetic.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-score-masks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

async function writeMask(file: string, img: GreyImage): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await encodeGrayPng(img));
}

function writeMap(file: string, map: ScoreMap): void {
  mkdirSync(dirname(file), { recursive: true });
  writeScoreMapNpy(file, map);
}

/** wsolevaluation mask metadata: lines `<id>,<mask>,<ignore>` (ignore only on an image's first line). */
function writeMetadata(root: string, entries: { id: string; masks: string[]; ignore?: string }[]): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'image_ids.txt'), `${entries.map((e) => e.id).join('\n')}\n`);
  writeFileSync(join(root, 'class_labels.txt'), `${entries.map((e) => `${e.id},0`).join('\n')}\n`);
  writeFileSync(
    join(root, 'localization.txt'),
    `${entries.flatMap((e) => e.masks.map((m, i) => `${e.id},${m},${i === 0 ? (e.ignore ?? '') : ''}`)).join('\n')}\n`,
  );
}

/** cv2.INTER_NEAREST, per pixel (the slow twin of masks.ts). */
function nearest(img: GreyImage, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const sx = Math.min(img.width - 1, Math.floor(x * (1 / (dw / img.width))));
      const sy = Math.min(img.height - 1, Math.floor(y * (1 / (dh / img.height))));
      out[y * dw + x] = img.data[sy * img.width + sx]!;
    }
  }
  return out;
}

/** get_mask, written out: 1 foreground, 0 background, 255 ignore. */
function labelsOf(masks: GreyImage[], ignore: GreyImage | undefined, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (const m of masks) {
    const r = nearest(m, size, size);
    for (let i = 0; i < r.length; i++) if (r[i]! > 0.5) out[i] = 1;
  }
  if (ignore !== undefined) {
    const r = nearest(ignore, size, size);
    for (let i = 0; i < r.length; i++) if (r[i]! > 0.5 && out[i] !== 1) out[i] = 255;
  }
  return out;
}

/**
 * PxAP the slow way: for each operating point (score >= 2, >= 1, >= t_last, ..., >= t_0), count
 * foreground and background pixels over all images (ignore excluded), then precision, recall and
 * the area sum of wsolevaluation's MaskEvaluator.compute.
 */
function slowPxap(
  images: { values: ArrayLike<number>; labels: Uint8Array }[],
  thresholds: ArrayLike<number>,
) {
  const ops = [2, 1, ...Array.from(thresholds).reverse()];
  const tp: number[] = [];
  const fp: number[] = [];
  let positives = 0;
  for (const { labels } of images) for (const l of labels) if (l === 1) positives++;
  for (const e of ops) {
    let t = 0;
    let f = 0;
    for (const { values, labels } of images) {
      for (let i = 0; i < labels.length; i++) {
        const v = values[i]!;
        if (!(v >= e && v <= 3)) continue;
        if (labels[i] === 1) t++;
        else if (labels[i] === 0) f++;
      }
    }
    tp.push(t);
    fp.push(f);
  }
  const precision = tp.map((t, j) => t / (t + fp[j]!));
  const recall = tp.map((t) => t / positives);
  let ap = 0;
  for (let j = 1; j < ops.length; j++) {
    if (tp[j]! + fp[j]! !== 0) ap += precision[j]! * (recall[j]! - recall[j - 1]!);
  }
  return { pxap: ap * 100, precision, recall, positives, edges: ops };
}

function randomMask(width: number, height: number, random: () => number, p: number): GreyImage {
  // Blobs plus speckle, with grey levels 1..255 (all foreground for wsolevaluation).
  const cx = random() * width;
  const cy = random() * height;
  const r = (0.2 + random() * 0.3) * Math.min(width, height);
  const data = Uint8Array.from({ length: width * height }, (_, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) return 255;
    return random() < p ? 1 + Math.floor(random() * 255) : 0;
  });
  return { width, height, data };
}

describe('scoreCamDirectory on a wsolevaluation mask dataset (PxAP)', () => {
  it('agrees with a slow PxAP over all pixels, reports mask problems per file', async () => {
    const root = join(tmp, 'openimages');
    const cams = join(tmp, 'cams');
    const random = rng(17);
    const m1a = randomMask(40, 30, random, 0.02);
    const m1b = randomMask(40, 30, random, 0);
    const ig1 = randomMask(40, 30, random, 0.05);
    const m2 = randomMask(17, 23, random, 0.05);
    const ig2 = randomMask(60, 60, random, 0);
    const m3 = randomMask(300, 200, random, 0.01);
    await writeMask(join(root, 'masks/1a.png'), m1a);
    await writeMask(join(root, 'masks/1b.png'), m1b);
    await writeMask(join(root, 'masks/1i.png'), ig1);
    await writeMask(join(root, 'masks/2.png'), m2);
    await writeMask(join(root, 'masks/2i.png'), ig2);
    await writeMask(join(root, 'masks/3.png'), m3);
    writeMetadata(root, [
      { id: 'val/1.jpg', masks: ['masks/1a.png', 'masks/1b.png'], ignore: 'masks/1i.png' },
      { id: 'val/2.jpg', masks: ['masks/2.png'], ignore: 'masks/2i.png' },
      { id: 'val/3.jpg', masks: ['masks/3.png'] }, // no ignore mask
      { id: 'val/4.jpg', masks: ['masks/4.png'], ignore: 'masks/1i.png' }, // mask file missing
      { id: 'val/5.jpg', masks: ['masks/1a.png'] }, // score map missing
    ]);
    const ds = await readDataset(root);
    expect(ds.items.every((it) => it.boxes.length === 0 && it.mask !== undefined)).toBe(true);

    // 1: raw 224x224 float32 scores; 2: a 14x14 CAM (bicubic to 224); 3: 224x224; 4: 224x224.
    const raw = (w: number, h: number): ScoreMap => ({
      width: w,
      height: h,
      data: Float32Array.from({ length: w * h }, () => random() * 4 - 1),
    });
    const map1 = raw(224, 224);
    const map2 = raw(14, 14);
    const map3 = raw(224, 224);
    writeMap(join(cams, 'val/1.npy'), map1);
    writeMap(join(cams, 'val/2.npy'), map2);
    writeMap(join(cams, 'val/3.npy'), map3);
    writeMap(join(cams, 'val/4.npy'), raw(224, 224));

    const result = await scoreCamDirectory(ds, cams);
    expect(result.total).toBe(5);
    expect(result.scored).toBe(3);
    expect(result.resized).toBe(1);
    expect(result.problems.map((p) => [p.id, p.kind])).toEqual([
      ['val/4.jpg', 'mask'],
      ['val/5.jpg', 'missing'],
    ]);
    expect(result.problems[0]!.file).toBe(join(root, 'masks/4.png'));
    expect(result.problems[0]!.message).toMatch(/cannot read ground-truth mask/);
    expect(result.problemCounts['no-ground-truth']).toBe(0);
    expect(result.problemCounts['no-image-size']).toBe(0);
    expect(result.problemCounts.mask).toBe(1);
    expect(result.metrics.count).toBe(0); // no boxes: no box metric
    expect(result.pxapError).toBeUndefined();

    const images = [
      { values: normalizeMinMaxWsol64(map1.data), labels: labelsOf([m1a, m1b], ig1, 224) },
      {
        values: normalizeMinMaxWsol64(resampleScoreMap(map2, 224, 224, 'bicubic').data),
        labels: labelsOf([m2], ig2, 224),
      },
      { values: normalizeMinMaxWsol64(map3.data), labels: labelsOf([m3], undefined, 224) },
    ];
    // The fixture exercises every label on the resized masks.
    for (const { labels } of images.slice(0, 2)) {
      expect(new Set(labels)).toEqual(new Set([0, 1, 255]));
    }
    const ref = slowPxap(images, thresholdGrid(0.001));
    const px = result.pxap!;
    expect(px.count).toBe(3);
    expect(px.positives).toBe(ref.positives);
    expect(px.negatives).toBe(images.reduce((s, im) => s + im.labels.filter((l) => l === 0).length, 0));
    expect(px.pxap).toBeCloseTo(ref.pxap, 9);
    expect(px.pxap).toBeGreaterThan(0);
    expect(Array.from(px.edges)).toEqual(ref.edges);
    expect(px.recall.length).toBe(ref.recall.length);
    for (let j = 0; j < ref.recall.length; j++) {
      expect(px.recall[j]).toBeCloseTo(ref.recall[j]!, 12);
      if (Number.isNaN(ref.precision[j]!)) expect(px.precision[j]).toBeNaN();
      else expect(px.precision[j]).toBeCloseTo(ref.precision[j]!, 12);
    }

    // A coarser grid, as `--interval 0.01` gives.
    const coarse = await scoreCamDirectory(ds, cams, { thresholds: thresholdGrid(0.01) });
    expect(coarse.pxap!.pxap).toBeCloseTo(slowPxap(images, thresholdGrid(0.01)).pxap, 9);
    expect(coarse.pxap!.edges).toHaveLength(102);
  });

  it('hand-computed 2x2 case: nearest-resized masks, ignore pixels left out', async () => {
    const root = join(tmp, 'tiny');
    const cams = join(tmp, 'tiny-cams');
    // Image A: 2x2 mask, foreground at pixel 1, ignore at pixel 0.
    await writeMask(join(root, 'a.png'), { width: 2, height: 2, data: Uint8Array.from([0, 255, 0, 0]) });
    await writeMask(join(root, 'ai.png'), { width: 2, height: 2, data: Uint8Array.from([255, 0, 0, 0]) });
    // Image B: 4x4 masks; cv2 nearest to 2x2 samples (0,0), (2,0), (0,2), (2,2), so the
    // foreground at (1,1) disappears and the one at (2,2) becomes pixel 3.
    const b = new Uint8Array(16);
    b[1 * 4 + 1] = 255;
    b[2 * 4 + 2] = 7;
    const bi = new Uint8Array(16);
    bi[0] = 255;
    await writeMask(join(root, 'b.png'), { width: 4, height: 4, data: b });
    await writeMask(join(root, 'bi.png'), { width: 4, height: 4, data: bi });
    writeMetadata(root, [
      { id: 'A', masks: ['a.png'], ignore: 'ai.png' },
      { id: 'B', masks: ['b.png'], ignore: 'bi.png' },
    ]);
    // A normalises to [1, 4/7, 0, 1/7 * 2]; B is already in [0, 1].
    writeMap(join(cams, 'A.npy'), { width: 2, height: 2, data: Float32Array.from([0.9, 0.6, 0.2, 0.4]) });
    writeMap(join(cams, 'B.npy'), { width: 2, height: 2, data: Float32Array.from([0, 1, 0.5, 0.25]) });
    const result = await scoreCamDirectory(await readDataset(root), cams, {
      size: 2,
      thresholds: [0, 0.5],
    });
    // Bins [0,.5) [.5,1) [1,2) [2,3]. Foreground: A 0.571 -> bin 1, B 0.25 -> bin 0.
    // Background: A 0, 0.286 -> bin 0; B 1 -> bin 2, 0.5 -> bin 1. Ignore: A 1.0, B 0.
    // From the top: tp [0, 0, 1, 2], fp [0, 1, 2, 4]; precision [NaN, 0, 1/3, 1/3];
    // recall [0, 0, 1/2, 1]; PxAP = 0 + 1/3 * 1/2 + 1/3 * 1/2 = 1/3.
    const px = result.pxap!;
    expect(result.problems).toEqual([]);
    expect(px.pxap).toBeCloseTo(100 / 3, 12);
    expect(Array.from(px.edges)).toEqual([2, 1, 0.5, 0]);
    expect(Array.from(px.recall)).toEqual([0, 0, 0.5, 1]);
    expect(px.precision[1]).toBe(0);
    expect(px.precision[2]).toBeCloseTo(1 / 3, 15);
    expect(px.precision[3]).toBeCloseTo(1 / 3, 15);
    expect([px.positives, px.negatives, px.count]).toEqual([2, 4, 2]);
  });

  it('scores boxes and masks of the same item; says why PxAP is undefined', async () => {
    const root = join(tmp, 'mixed');
    const cams = join(tmp, 'mixed-cams');
    await writeMask(join(root, 'empty.png'), { width: 8, height: 8, data: new Uint8Array(64) });
    const map: ScoreMap = {
      width: 8,
      height: 8,
      data: Float32Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 1 : 0)),
    };
    writeMap(join(cams, 'both.npy'), map);
    writeMap(join(cams, 'none.npy'), map);
    const ds: Dataset = {
      root,
      format: 'wsol-metadata',
      items: [
        {
          id: 'both',
          file: join(root, 'both.jpg'),
          width: 8,
          height: 8,
          boxes: [{ x0: 0, y0: 0, x1: 3, y1: 7 }],
          mask: { files: [join(root, 'empty.png')] },
        },
        { id: 'none', file: join(root, 'none.jpg'), boxes: [] },
      ],
    };
    const result = await scoreCamDirectory(ds, cams, { size: 8, thresholds: [0, 0.5], iouThresholds: [50] });
    expect(result.scored).toBe(1);
    expect(result.metrics.count).toBe(1);
    expect(result.metrics.levels[0]!.maxBoxAcc).toBe(100);
    expect(result.problems.map((p) => [p.id, p.kind])).toEqual([['none', 'no-ground-truth']]);
    // The only mask is empty: wsolevaluation raises; here the box metrics survive and pxapError says why.
    expect(result.pxap).toBeUndefined();
    expect(result.pxapError).toMatch(/No positive ground truth/);
  });
});
