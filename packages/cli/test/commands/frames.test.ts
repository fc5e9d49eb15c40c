import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage, resizeRgb, writeImage } from '@cam-localize/core';
import { expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { MOBILENET_V2, readJsonLines } from '../fixtures.js';

interface Rec {
  id: string;
  boxAcc: Record<string, [number, number][]>;
  predicted: { iou: number };
}

/** Threshold indices covered by a list of [start, end) ranges. */
const covered = (ranges: [number, number][]) =>
  new Set(ranges.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i)));

/**
 * Boxes live in three frames (original pixels, model input, evaluation); a metric must not
 * depend on how large the photo on disk is. The same raccoon photos at full size and at twice the size (each pixel repeated),
 * with their boxes scaled, must give (nearly) the same per-image results.
 */
describeWithTestBed('frames: results do not depend on the photo size on disk', () => {
  it('full-size and double-size (pixel-replicated) copies give the same MaxBoxAcc ranges and box IoUs', async () => {
    const names = ['raccoon-1', 'raccoon-10', 'raccoon-100', 'raccoon-101', 'raccoon-102', 'raccoon-103'];
    const root = mkdtempSync(join(tmpdir(), 'cam-frames-'));
    const boxes: Record<string, [number, number, number, number]> = {};
    for (const scale of [1, 2]) {
      const dir = join(root, `scale-${scale}`);
      mkdirSync(join(dir, 'JPEGImages'), { recursive: true });
      mkdirSync(join(dir, 'Annotations'));
      for (const name of names) {
        const image = await loadImage(shared('datasets', 'raccoon-voc', 'JPEGImages', `${name}.jpg`));
        const w = Math.round(image.width * scale);
        const h = Math.round(image.height * scale);
        await writeImage(
          join(dir, 'JPEGImages', `${name}.png`),
          scale === 1 ? image : resizeRgb(image, w, h, 'nearest', false),
        );
        // One box per photo, the middle half, in this copy's pixels.
        const box = [
          Math.round(w / 4),
          Math.round(h / 4),
          Math.round((3 * w) / 4),
          Math.round((3 * h) / 4),
        ] as const;
        boxes[`${scale}/${name}`] = [...box];
        writeFileSync(
          join(dir, 'Annotations', `${name}.xml`),
          `<annotation><filename>${name}.png</filename><size><width>${w}</width><height>${h}</height><depth>3</depth></size>` +
            `<object><name>raccoon</name><bndbox><xmin>${box[0]}</xmin><ymin>${box[1]}</ymin><xmax>${box[2]}</xmax><ymax>${box[3]}</ymax></bndbox></object></annotation>`,
        );
      }
      const result = await runCli([
        'run',
        dir,
        '--model',
        MOBILENET_V2,
        '--preset',
        'mobilenet',
        '--out',
        join(dir, 'run'),
        '--no-report',
      ]);
      expect(result.code, result.stderr).toBe(0);
    }
    const full = new Map(
      readJsonLines<Rec>(join(root, 'scale-1', 'run', 'results.jsonl')).map((r) => [r.id, r]),
    );
    const double = new Map(
      readJsonLines<Rec>(join(root, 'scale-2', 'run', 'results.jsonl')).map((r) => [r.id, r]),
    );
    expect(full.size).toBe(names.length);
    for (const [id, a] of full) {
      const b = double.get(id)!;
      expect(Math.abs(a.predicted.iou - b.predicted.iou), id).toBeLessThan(0.05);
      for (const level of ['30', '50', '70']) {
        const x = covered(a.boxAcc[level]!);
        const y = covered(b.boxAcc[level]!);
        const disagree = [...x].filter((t) => !y.has(t)).length + [...y].filter((t) => !x.has(t)).length;
        expect(disagree, `${id} IoU ${level}`).toBeLessThan(60); // of 1000 thresholds // of 1000 thresholds
      }
    }
    // Frames agree with each other: where the single box (t = 0.2, original pixels) reaches IoU 0.3,
    // the threshold sweep (input frame) reaches it somewhere too, at every photo size.
    for (const run of [full, double]) {
      for (const r of run.values()) {
        if (r.predicted.iou >= 0.35) expect(r.boxAcc['30']!.length, r.id).toBeGreaterThan(0);
      }
    }
    expect([...full.values()].filter((r) => r.predicted.iou >= 0.35).length).toBeGreaterThanOrEqual(3);

    // 'raccoon' is no class of the model: class-based rates are absent, not zero.
    const metrics = JSON.parse(readFileSync(join(root, 'scale-1', 'run', 'metrics.json'), 'utf8'));
    expect(metrics.localization.gtKnownLoc).toBeNull();
    expect(metrics.localization.top1Cls).toBeNull();
    const localized = [...full.values()].filter((r) => r.predicted.iou >= 0.5).length;
    expect(metrics.localization.predictedClassLoc).toBeCloseTo((localized * 100) / names.length, 10);
  });
});
