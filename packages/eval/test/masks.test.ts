import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, encodeGrayPng, UsageError, writeImage } from '@cam-localize/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  greyFromRgb,
  groundTruthLabels,
  readGroundTruthMask,
  readMaskImage,
  resizeNearestCv,
} from '../src/masks.js';
import { rng } from './synthetic.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-masks-'));
/** OpenCV's answers (gen-cv2-masks.py): nearest source columns, grey levels of colour PNG pixels. */
const CV2 = JSON.parse(readFileSync(new URL('./fixtures/cv2-masks.json', import.meta.url), 'utf8')) as {
  opencv: string;
  nearest: { src: number; dst: number; cols: number[] }[];
  grey: { rgb: number[][]; grey: number[] };
};
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function writeGrey(file: string, width: number, height: number, data: Uint8Array): Promise<string> {
  writeFileSync(file, await encodeGrayPng({ width, height, data }));
  return file;
}

/** Slow twin of cv2.INTER_NEAREST: per pixel, with the double-precision inverse scale OpenCV uses. */
function nearestSlow(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const sx = Math.min(sw - 1, Math.floor(x * (1 / (dw / sw))));
      const sy = Math.min(sh - 1, Math.floor(y * (1 / (dh / sh))));
      out[y * dw + x] = src[sy * sw + sx]!;
    }
  }
  return out;
}

describe('resizeNearestCv (cv2.INTER_NEAREST)', () => {
  it('takes floor(x * src / dst), not the pixel centre (INTER_NEAREST_EXACT / PIL)', () => {
    // 3 -> 7: x * 3/7 = 0, .43, .86, 1.29, 1.71, 2.14, 2.57; the pixel-centre rule gives 0,0,1,1,1,2,2.
    expect(Array.from(resizeNearestCv(Uint8Array.from([10, 20, 30]), 3, 1, 7, 1))).toEqual([
      10, 10, 10, 20, 20, 30, 30,
    ]);
    // 10 -> 4: x * 2.5 = 0, 2.5, 5, 7.5.
    const row = Uint8Array.from({ length: 10 }, (_, i) => i);
    expect(Array.from(resizeNearestCv(row, 10, 1, 4, 1))).toEqual([0, 2, 5, 7]);
    // Rows the same way: 1x3 -> 1x2 takes rows 0 and floor(1.5) = 1.
    expect(Array.from(resizeNearestCv(Uint8Array.from([1, 2, 3]), 1, 3, 1, 2))).toEqual([1, 2]);
  });

  it('uses the double-precision inverse scale: 1 / (224 / 36) puts x = 168 on column 26, not 27', () => {
    // Checked against cv2.resize (opencv-python-headless) for source widths 36, 58 and 72: where
    // x * src / 224 is an integer, OpenCV's rounded inverse scale lands just below it.
    for (const [sw, x, sx] of [
      [36, 168, 26],
      [58, 112, 28],
      [72, 84, 26],
      [72, 140, 44],
      [72, 196, 62],
    ] as const) {
      const ramp = Uint8Array.from({ length: sw }, (_, i) => i);
      expect(resizeNearestCv(ramp, sw, 1, 224, 1)[x]).toBe(sx);
      expect((x * sw) % 224).toBe(0); // exactly on a column boundary
      expect((x * sw) / 224).toBe(sx + 1);
    }
  });

  it('matches the per-pixel slow twin on random sizes, keeps the array type', () => {
    const random = rng(11);
    for (let k = 0; k < 40; k++) {
      const sw = 1 + Math.floor(random() * 300);
      const sh = 1 + Math.floor(random() * 300);
      const dw = 1 + Math.floor(random() * 250);
      const dh = 1 + Math.floor(random() * 250);
      const src = Uint8Array.from({ length: sw * sh }, () => Math.floor(random() * 256));
      expect(resizeNearestCv(src, sw, sh, dw, dh)).toEqual(nearestSlow(src, sw, sh, dw, dh));
    }
    expect(resizeNearestCv(Float32Array.from([0.5, 1.5]), 2, 1, 4, 1)).toEqual(
      Float32Array.from([0.5, 0.5, 1.5, 1.5]),
    );
  });

  it('picks the source columns cv2.resize picks (fixture)', () => {
    expect(CV2.nearest.length).toBeGreaterThan(5);
    for (const { src, dst, cols } of CV2.nearest) {
      const ramp = Float32Array.from({ length: src }, (_, i) => i);
      expect(Array.from(resizeNearestCv(ramp, src, 1, dst, 1)), `${src} -> ${dst}`).toEqual(cols);
      // Rows follow the same rule.
      expect(Array.from(resizeNearestCv(ramp, 1, src, 1, dst)), `rows ${src} -> ${dst}`).toEqual(cols);
    }
  });

  it('rejects bad sizes', () => {
    expect(() => resizeNearestCv(new Uint8Array(4), 2, 2, 0, 2)).toThrow(UsageError);
    expect(() => resizeNearestCv(new Uint8Array(5), 2, 2, 2, 2)).toThrow(/5 values/);
  });
});

describe('greyFromRgb (cv2.imread IMREAD_GRAYSCALE of a PNG)', () => {
  it('keeps grey pixels and converts colour ones with libpng truncating coefficients', () => {
    const px = [
      [7, 7, 7], // grey: as is
      [255, 0, 0], // (9797 * 255) >> 15 = 76
      [1, 0, 0], // 9797 >> 15 = 0: background although the file is not black
      [3, 0, 0], // 29391 >> 15 = 0
      [4, 0, 0], // 39188 >> 15 = 1
      [0, 2, 0], // 38468 >> 15 = 1
      [0, 0, 8], // 29896 >> 15 = 0
      [0, 0, 9], // 33633 >> 15 = 1
      [10, 200, 30], // (97970 + 3846800 + 112110) >> 15 = 123
    ];
    const data = Uint8Array.from(px.flat());
    expect(Array.from(greyFromRgb({ width: px.length, height: 1, data }))).toEqual([
      7, 76, 0, 0, 1, 1, 0, 1, 123,
    ]);
  });
});

describe('readGroundTruthMask (get_mask)', () => {
  it('ORs instance masks thresholded > 0.5 on the 0..255 scale, ignore = ignore minus foreground', async () => {
    const dir = join(tmp, 'basic');
    mkdirSync(dir, { recursive: true });
    // 4x2 masks, frame 4x2 (no resizing).
    const a = await writeGrey(join(dir, 'a.png'), 4, 2, Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0]));
    const b = await writeGrey(join(dir, 'b.png'), 4, 2, Uint8Array.from([0, 0, 0, 0, 100, 0, 0, 0]));
    const ig = await writeGrey(join(dir, 'ig.png'), 4, 2, Uint8Array.from([255, 255, 0, 0, 255, 0, 3, 0]));
    const gt = await readGroundTruthMask(
      { id: 'x.jpg', mask: { files: [a, b], ignoreFile: ig } },
      { width: 4, height: 2 },
    );
    // Grey 1 and 100 are foreground (> 0.5 before any scaling).
    expect(Array.from(gt.mask)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(gt.ignore!)).toEqual([1, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(groundTruthLabels(gt))).toEqual([255, 1, 0, 0, 1, 0, 255, 0]);
    expect([gt.width, gt.height]).toEqual([4, 2]);
  });

  it('resizes each file to the frame with cv2 nearest before thresholding', async () => {
    const dir = join(tmp, 'resize');
    mkdirSync(dir, { recursive: true });
    const random = rng(5);
    const sw = 37;
    const sh = 23;
    const m1 = Uint8Array.from({ length: sw * sh }, () => (random() < 0.3 ? 255 : 0));
    const m2 = Uint8Array.from({ length: 10 * 9 }, () => (random() < 0.2 ? Math.floor(random() * 3) : 0));
    const ig = Uint8Array.from({ length: 15 * 40 }, () => (random() < 0.4 ? 255 : 0));
    const f1 = await writeGrey(join(dir, 'm1.png'), sw, sh, m1);
    const f2 = await writeGrey(join(dir, 'm2.png'), 10, 9, m2);
    const fi = await writeGrey(join(dir, 'ig.png'), 15, 40, ig);
    const W = 31;
    const H = 29;
    const gt = await readGroundTruthMask(
      { id: 'y.jpg', mask: { files: [f1, f2], ignoreFile: fi } },
      { width: W, height: H },
    );
    const r1 = nearestSlow(m1, sw, sh, W, H);
    const r2 = nearestSlow(m2, 10, 9, W, H);
    const ri = nearestSlow(ig, 15, 40, W, H);
    const fg = Array.from({ length: W * H }, (_, i) => (r1[i]! > 0.5 || r2[i]! > 0.5 ? 1 : 0));
    expect(Array.from(gt.mask)).toEqual(fg);
    expect(Array.from(gt.ignore!)).toEqual(fg.map((f, i) => (ri[i]! > 0.5 && f === 0 ? 1 : 0)));
    expect(gt.mask.some((v) => v === 1) && gt.ignore!.some((v) => v === 1)).toBe(true);
    // readMaskImage is the per-file step: grey levels after resizing.
    expect(await readMaskImage(f2, { width: W, height: H })).toEqual(r2);
  });

  it('reads a colour PNG to the grey levels cv2.imread(IMREAD_GRAYSCALE) gives (fixture)', async () => {
    const { rgb, grey } = CV2.grey;
    const file = join(tmp, 'colour-fixture.png');
    await writeImage(file, { width: rgb.length, height: 1, data: Uint8Array.from(rgb.flat()) });
    expect(Array.from(await readMaskImage(file, { width: rgb.length, height: 1 }))).toEqual(grey);
  });

  it('reads colour PNG masks through the libpng grey conversion', async () => {
    const file = join(tmp, 'colour.png');
    await writeImage(file, { width: 3, height: 1, data: Uint8Array.from([1, 0, 0, 0, 2, 0, 255, 0, 0]) });
    const gt = await readGroundTruthMask({ id: 'c', mask: { files: [file] } }, { width: 3, height: 1 });
    expect(Array.from(gt.mask)).toEqual([0, 1, 1]);
    expect(gt.ignore).toBeNull();
  });

  it('names a missing or corrupt mask file in a DataError', async () => {
    const missing = join(tmp, 'nope.png');
    const err = await readGroundTruthMask(
      { id: 'm', mask: { files: [missing] } },
      { width: 4, height: 4 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).file).toBe(missing);
    expect((err as DataError).toOneLine()).toContain(missing);

    const good = await writeGrey(join(tmp, 'good.png'), 2, 2, new Uint8Array(4));
    const corrupt = join(tmp, 'corrupt.png');
    writeFileSync(corrupt, 'not a png');
    const err2 = await readGroundTruthMask(
      { id: 'm', mask: { files: [good], ignoreFile: corrupt } },
      { width: 4, height: 4 },
    ).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(DataError);
    expect((err2 as DataError).file).toBe(corrupt);
    expect((err2 as DataError).message).toMatch(/cannot read ground-truth mask/);
  });

  it('rejects items without masks and bad frames', async () => {
    await expect(readGroundTruthMask({ id: 'q' }, { width: 2, height: 2 })).rejects.toThrow(UsageError);
    await expect(
      readGroundTruthMask({ id: 'q', mask: { files: [] } }, { width: 2, height: 2 }),
    ).rejects.toThrow(DataError);
    await expect(
      readGroundTruthMask({ id: 'q', mask: { files: ['x.png'] } }, { width: 0, height: 2 }),
    ).rejects.toThrow(UsageError);
  });
});
