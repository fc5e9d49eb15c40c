import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Box, resampleScoreMap, type ScoreMap } from '@cam-localize/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset } from '../src/datasets/index.js';
import { normalizeMinMaxWsol64 } from '../src/evaluation-protocol.js';
import { BoxAccuracyEvaluator } from '../src/evaluators/box-accuracy.js';
import { resizeBoxWsol } from '../src/iou.js';
import { encodeNpyFloat32, writeScoreMapNpy } from '../src/npy.js';
import { scoreCamDirectory } from '../src/score-cams.js';
import { mapAroundBoxes, rng } from './synthetic.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-score-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A float64 .npy (v1.0, little endian) built by hand. */
function npy64(h: number, w: number, values: ArrayLike<number>): Uint8Array {
  const base = encodeNpyFloat32([h, w], new Float32Array(h * w));
  const headerLen = base[8]! | (base[9]! << 8);
  const header = new TextDecoder().decode(base.subarray(10, 10 + headerLen)).replace("'<f4'", "'<f8'");
  const out = new Uint8Array(10 + headerLen + h * w * 8);
  out.set(base.subarray(0, 10));
  out.set(new TextEncoder().encode(header), 10);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < h * w; i++) dv.setFloat64(10 + headerLen + i * 8, values[i]!, true);
  return out;
}

describe('scoreCamDirectory', () => {
  it('scores <camDir>/<image_id>.npy like wsolevaluation and reports problems per file', async () => {
    const root = join(tmp, 'ds');
    mkdirSync(root, { recursive: true });
    const boxes: Record<string, Box[]> = {
      'images/a.jpg': [{ x0: 10, y0: 20, x1: 300, y1: 200 }],
      'images/b.jpg': [{ x0: 50.5, y0: 40, x1: 150, y1: 90.9 }],
      'images/c.jpg': [{ x0: 0, y0: 0, x1: 10, y1: 10 }],
      'images/d.jpg': [{ x0: 0, y0: 0, x1: 10, y1: 10 }],
    };
    const ids = Object.keys(boxes);
    writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
    writeFileSync(join(root, 'class_labels.txt'), ids.map((id) => `${id},0`).join('\n'));
    writeFileSync(join(root, 'image_sizes.txt'), ids.map((id) => `${id},400,300`).join('\n'));
    writeFileSync(
      join(root, 'localization.txt'),
      ids.flatMap((id) => boxes[id]!.map((b) => `${id},${b.x0},${b.y0},${b.x1},${b.y1}`)).join('\n'),
    );
    const ds = await readDataset(root);
    const cams = join(tmp, 'cams');
    const random = rng(3);
    // a: float64 224x224 raw scores (not normalised); b: float32 7x7 CAM (resized bicubic); c: missing; d: corrupt.
    const gtA = boxes['images/a.jpg']!.map((b) => resizeBoxWsol(b, 400, 300, 224, 224));
    const a = mapAroundBoxes(gtA, 224, random);
    const aRaw = Float64Array.from(a.data, (v) => v * 3 - 1);
    mkdirSync(join(cams, 'images'), { recursive: true });
    writeFileSync(join(cams, 'images/a.jpg.npy'), npy64(224, 224, aRaw));
    const b: ScoreMap = {
      width: 7,
      height: 7,
      data: Float32Array.from({ length: 49 }, (_, i) => (i % 7 > 1 && i < 30 ? 5 : -1) + random()),
    };
    writeScoreMapNpy(join(cams, 'images/b.npy'), b); // the stem spelling is accepted too
    writeFileSync(join(cams, 'images/d.jpg.npy'), 'garbage');

    const progress: number[] = [];
    const result = await scoreCamDirectory(ds, cams, { onProgress: (done) => progress.push(done) });
    expect(result.total).toBe(4);
    expect(result.scored).toBe(2);
    expect(result.resized).toBe(1);
    expect(result.problems.map((p) => [p.id, p.kind])).toEqual([
      ['images/c.jpg', 'missing'],
      ['images/d.jpg', 'corrupt'],
    ]);
    expect(result.problems[1]!.message).toMatch(/magic/);
    expect(result.problemCounts.missing).toBe(1);
    expect(progress.length).toBe(4);

    const ref = new BoxAccuracyEvaluator({ multiContour: true });
    ref.accumulateValues(normalizeMinMaxWsol64(aRaw), 224, 224, gtA);
    const up = resampleScoreMap(b, 224, 224, 'bicubic');
    ref.accumulateValues(
      normalizeMinMaxWsol64(up.data),
      224,
      224,
      boxes['images/b.jpg']!.map((x) => resizeBoxWsol(x, 400, 300, 224, 224)),
    );
    expect(result.metrics).toEqual(ref.compute());
  });
});
