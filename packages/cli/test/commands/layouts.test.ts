/**
 * Every dataset layout in every command (issue 17): one small dataset drawn in the test, its boxes
 * and masks known, written in each layout the tool reads. `run` and `eval --cams` on each give the
 * same metrics (every reader keeps boxes as written: CUB's x y w h become x0 y0 x + w y + h exactly),
 * CUB and LOC_val_solution.csv (no stored image size) included, and the ground-truth box that
 * reaches outside its image is clipped and counted once in every layout. On the mask layout, `run`
 * and `eval` give the same PxAP.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeGrayPng, type RgbImage, writeImage } from '@cam-localize/core';
import { beforeAll, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL } from '../fixtures.js';

interface Photo {
  name: string;
  width: number;
  height: number;
  /** ImageNet class index (0-based). */
  cls: number;
  /** The drawn object, [x0, y0, x1, y1] in pixels; the last photo's box reaches past the image. */
  box: [number, number, number, number];
}

const PHOTOS: Photo[] = [
  { name: 'p0', width: 160, height: 120, cls: 1, box: [30, 20, 110, 90] },
  { name: 'p1', width: 120, height: 160, cls: 2, box: [10.5, 40, 90.5, 150] },
  { name: 'p2', width: 200, height: 150, cls: 3, box: [80, 10, 190, 140] },
  { name: 'p3', width: 128, height: 128, cls: 4, box: [-12, 30, 150, 100] },
];

/** A bright textured rectangle (the object) on a dark background. */
function draw(p: Photo): RgbImage {
  const data = new Uint8Array(p.width * p.height * 3);
  const [x0, y0, x1, y1] = p.box;
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const inside = x >= x0 && x < x1 && y >= y0 && y < y1;
      const o = 3 * (y * p.width + x);
      data[o] = inside ? 200 + ((x * 7) % 50) : 20;
      data[o + 1] = inside ? 120 + ((y * 5) % 60) : 30;
      data[o + 2] = inside ? 40 : 25 + ((x + y) % 10);
    }
  }
  return { width: p.width, height: p.height, data };
}

function mask(p: Photo): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(p.width * p.height);
  const [x0, y0, x1, y1] = p.box;
  for (let y = 0; y < p.height; y++)
    for (let x = 0; x < p.width; x++)
      data[y * p.width + x] = x >= x0 && x < x1 && y >= y0 && y < y1 ? 255 : 0;
  return { width: p.width, height: p.height, data };
}

function put(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

/** The same JPEG bytes under each layout's name for them. */
function copyPhotos(source: string, root: string, path: (p: Photo) => string): void {
  for (const p of PHOTOS) {
    mkdirSync(dirname(join(root, path(p))), { recursive: true });
    copyFileSync(join(source, `${p.name}.jpg`), join(root, path(p)));
  }
}

const lines = (f: (p: Photo) => string) => `${PHOTOS.map(f).join('\n')}\n`;

describeWithTestBed('every layout in run and eval (cross-layout)', () => {
  const base = mkdtempSync(join(tmpdir(), 'cam-layouts-'));
  const layouts: Record<string, string> = {};
  const wnids = readFileSync(shared('models', 'imagenet-synsets.txt'), 'utf8').split('\n');
  const wnid = (p: Photo) => wnids[p.cls]!.split(' ')[0]!;

  beforeAll(async () => {
    const photos = join(base, 'photos');
    mkdirSync(photos);
    for (const p of PHOTOS) await writeImage(join(photos, `${p.name}.jpg`), draw(p));

    layouts.wsol = join(base, 'wsol');
    copyPhotos(photos, layouts.wsol, (p) => `images/${p.name}.jpg`);
    put(layouts.wsol, {
      'image_ids.txt': lines((p) => `images/${p.name}.jpg`),
      'class_labels.txt': lines((p) => `images/${p.name}.jpg,${p.cls}`),
      'image_sizes.txt': lines((p) => `images/${p.name}.jpg,${p.width},${p.height}`),
      'localization.txt': lines((p) => `images/${p.name}.jpg,${p.box.join(',')}`),
    });

    layouts.voc = join(base, 'voc');
    copyPhotos(photos, layouts.voc, (p) => `JPEGImages/${p.name}.jpg`);
    put(layouts.voc, {
      'synsets.txt': wnids.join('\n'),
      ...Object.fromEntries(
        PHOTOS.map((p) => [
          `Annotations/${p.name}.xml`,
          `<annotation><filename>${p.name}.jpg</filename><size><width>${p.width}</width><height>${p.height}</height><depth>3</depth></size>` +
            `<object><name>${wnid(p)}</name><bndbox><xmin>${p.box[0]}</xmin><ymin>${p.box[1]}</ymin><xmax>${p.box[2]}</xmax><ymax>${p.box[3]}</ymax></bndbox></object></annotation>`,
        ]),
      ),
    });

    layouts.cub = join(base, 'cub');
    copyPhotos(photos, layouts.cub, (p) => `images/${p.cls}.cls/${p.name}.jpg`);
    put(layouts.cub, {
      'images.txt': lines((p) => `${PHOTOS.indexOf(p) + 1} ${p.cls}.cls/${p.name}.jpg`),
      'image_class_labels.txt': lines((p) => `${PHOTOS.indexOf(p) + 1} ${p.cls + 1}`),
      'bounding_boxes.txt': lines(
        (p) =>
          `${PHOTOS.indexOf(p) + 1} ${p.box[0]} ${p.box[1]} ${p.box[2] - p.box[0]} ${p.box[3] - p.box[1]}`,
      ),
      'train_test_split.txt': lines((p) => `${PHOTOS.indexOf(p) + 1} 0`),
    });

    layouts.csv = join(base, 'csv');
    copyPhotos(photos, layouts.csv, (p) => `val/${p.name}.JPEG`);
    put(layouts.csv, {
      'LOC_synset_mapping.txt': wnids.join('\n'),
      'LOC_val_solution.csv': `ImageId,PredictionString\n${lines((p) => `${p.name},${wnid(p)} ${p.box.join(' ')}`)}`,
    });

    layouts.masks = join(base, 'masks');
    copyPhotos(photos, layouts.masks, (p) => `images/${p.name}.jpg`);
    for (const p of PHOTOS) {
      mkdirSync(join(layouts.masks, 'gt'), { recursive: true });
      writeFileSync(join(layouts.masks, 'gt', `${p.name}.png`), await encodeGrayPng(mask(p)));
    }
    put(layouts.masks, {
      'image_ids.txt': lines((p) => `images/${p.name}.jpg`),
      'class_labels.txt': lines((p) => `images/${p.name}.jpg,${p.cls}`),
      'localization.txt': lines((p) => `images/${p.name}.jpg,gt/${p.name}.png,`),
    });
  });

  /** `run` (wsolevaluation protocol, maps saved) then `eval` of those maps, on one layout. */
  async function both(name: string) {
    const out = join(base, `${name}-run`);
    const cams = join(base, `${name}-cams`);
    const run = await runCli([
      'run',
      layouts[name]!,
      '--model',
      FAST_MODEL,
      '--protocol',
      'wsolevaluation',
      '--threshold',
      '0.2',
      '--out',
      out,
      '--save-cams',
      cams,
      '--no-report',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // The fast model's input (and so run's evaluation frame) is 128x128: eval scores in the same frame.
    const evaluated = await runCli(['eval', layouts[name]!, '--cams', cams, '--size', '128', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    return { run: JSON.parse(run.stdout), eval: JSON.parse(evaluated.stdout), stderr: run.stderr };
  }

  it('wsolevaluation metadata, VOC XML, CUB and LOC_val_solution.csv give identical metrics in run and eval', async () => {
    const results: Record<string, Awaited<ReturnType<typeof both>>> = {};
    for (const name of ['wsol', 'voc', 'cub', 'csv']) results[name] = await both(name);
    const reference = results.wsol!;
    expect(reference.run.images.scored).toBe(PHOTOS.length);
    expect(reference.eval.images.scored).toBe(PHOTOS.length);
    // run and eval score the same maps: the same MaxBoxAcc.
    expect(reference.eval.maxBoxAccByIoU).toEqual(reference.run.maxBoxAccByIoU);
    // The box past the image is clipped, and counted once.
    expect(reference.run.warnings.clippedBoxes).toBe(1);
    expect(reference.eval.warnings.clippedBoxes).toBe(1);
    expect(reference.stderr).toMatch(/1 ground-truth boxes reached outside their image and were clipped/);
    for (const name of ['voc', 'cub', 'csv']) {
      const r = results[name]!;
      expect({ layout: name, run: r.run.localization, boxes: r.run.maxBoxAccByIoU }).toEqual({
        layout: name,
        run: reference.run.localization,
        boxes: reference.run.maxBoxAccByIoU,
      });
      expect({ layout: name, eval: r.eval.maxBoxAccByIoU, images: r.eval.images }).toEqual({
        layout: name,
        eval: reference.eval.maxBoxAccByIoU,
        images: reference.eval.images,
      });
      expect(r.run.warnings.clippedBoxes).toBe(1);
      expect(r.eval.warnings.clippedBoxes).toBe(1);
    }
  });

  it('the mask layout: run computes PxAP, equal to eval on the maps it saved', async () => {
    const r = await both('masks');
    expect(r.run.pxap.images).toBe(PHOTOS.length);
    expect(r.eval.pxap.images).toBe(PHOTOS.length);
    expect(r.run.pxap.pxap).toBeGreaterThan(0);
    expect(r.run.pxap.pxap).toBe(r.eval.pxap.pxap);
    expect(r.stderr).toMatch(/PxAP \d+\.\d\d% over 4 masks/);
  });
});
