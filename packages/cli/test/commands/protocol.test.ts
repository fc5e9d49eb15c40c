import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Box } from '@cam-localize/core';
import { iouInclusive, normalizeMinMaxWsol, readScoreMapNpy, resizeBoxWsol } from '@cam-localize/eval';
import { thresholdGrid, wsolBoxes } from '@cam-localize/localize';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { ilsvrcSubset, MOBILENET_V2 } from '../fixtures.js';

/**
 * MaxBoxAccV2 of MobileNetV2 on real ILSVRC photos under --protocol wsolevaluation, checked three
 * ways: `run` (sweep, replayed from records), `eval --cams` on the maps `run` saved, and a slow
 * straightforward evaluation written here (per threshold: boxes, inclusive IoU, counters).
 */
describeWithTestBed('--protocol wsolevaluation parity', () => {
  it('run, eval --cams and a slow twin agree on MaxBoxAcc at every IoU level', async () => {
    const count = 16;
    const dataset = ilsvrcSubset(count);
    const out = mkdtempSync(join(tmpdir(), 'cam-protocol-'));
    const cams = join(out, 'cams');
    const run = await runCli([
      'run',
      dataset,
      '--model',
      MOBILENET_V2,
      '--preset',
      'mobilenet',
      '--protocol',
      'wsolevaluation',
      '--save-cams',
      cams,
      '--cam-size',
      'input',
      '--out',
      join(out, 'run'),
      '--no-report',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const runMetrics = JSON.parse(run.stdout);

    const evaluated = await runCli(['eval', dataset, '--cams', cams, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const evalMetrics = JSON.parse(evaluated.stdout);
    expect(evalMetrics.images.scored).toBe(count);

    const slow = slowMaxBoxAcc(dataset, cams, [30, 50, 70], true);
    const levels = [30, 50, 70];
    for (const [k, level] of levels.entries()) {
      expect(runMetrics.maxBoxAccByIoU[String(level)]).toBeCloseTo(slow[k]!, 10);
      expect(evalMetrics.maxBoxAccByIoU[String(level)]).toBeCloseTo(slow[k]!, 10);
    }
    expect(runMetrics.maxBoxAccV2).toBeCloseTo((slow[0]! + slow[1]! + slow[2]!) / 3, 10);
  });

  it('--boxes largest is the single-box V1 variant (largest contour, IoU 50), in run and eval alike', async () => {
    const dataset = ilsvrcSubset(8);
    const out = mkdtempSync(join(tmpdir(), 'cam-protocol-v1-'));
    const cams = join(out, 'cams');
    const common = [
      '--model',
      MOBILENET_V2,
      '--preset',
      'mobilenet',
      '--protocol',
      'wsolevaluation',
      '--boxes',
      'largest',
    ];
    const run = await runCli([
      'run',
      dataset,
      ...common,
      '--save-cams',
      cams,
      '--out',
      join(out, 'run'),
      '--no-report',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const runMetrics = JSON.parse(run.stdout);
    expect(Object.keys(runMetrics.maxBoxAccByIoU)).toEqual(['50']);
    expect(runMetrics.maxBoxAccV2).toBeNull();
    const evaluated = await runCli(['eval', dataset, '--cams', cams, '--boxes', 'largest', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const [slow] = slowMaxBoxAcc(dataset, cams, [50], false);
    expect(runMetrics.maxBoxAccV1).toBeCloseTo(slow!, 10);
    expect(JSON.parse(evaluated.stdout).maxBoxAccV1).toBeCloseTo(slow!, 10);
  });
});

/** MaxBoxAcc per IoU level from saved maps, the straightforward way: every threshold separately. */
function slowMaxBoxAcc(dataset: string, cams: string, levels: number[], multiContour: boolean): number[] {
  const ids = readFileSync(join(dataset, 'image_ids.txt'), 'utf8').trim().split('\n');
  const sizes = new Map(
    readFileSync(join(dataset, 'image_sizes.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','))
      .map(([id, w, h]) => [id!, [Number(w), Number(h)] as const]),
  );
  const gt = new Map<string, Box[]>();
  for (const line of readFileSync(join(dataset, 'localization.txt'), 'utf8').trim().split('\n')) {
    const [id, ...v] = line.split(',');
    const [w, h] = sizes.get(id!)!;
    const box = resizeBoxWsol(
      { x0: Number(v[0]), y0: Number(v[1]), x1: Number(v[2]), y1: Number(v[3]) },
      w,
      h,
      224,
      224,
    );
    gt.set(id!, [...(gt.get(id!) ?? []), box]);
  }
  const thresholds = thresholdGrid(0.001);
  const correct = levels.map(() => new Float64Array(thresholds.length));
  for (const id of ids) {
    const map = normalizeMinMaxWsol(readScoreMapNpy(join(cams, `${id}.npy`)));
    for (let t = 0; t < thresholds.length; t++) {
      let best = 0;
      for (const b of wsolBoxes(map, thresholds[t]!, { multiContour })) {
        for (const g of gt.get(id)!) best = Math.max(best, iouInclusive(b, g));
      }
      levels.forEach((level, k) => {
        if (best >= level / 100) correct[k]![t]! += 1;
      });
    }
  }
  return levels.map((_, k) => Math.max(...Array.from(correct[k]!, (c) => (c * 100) / ids.length)));
}
