import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Box, type ScoreMap, UsageError } from '@cam-localize/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/datasets/index.js';
import { BoxAccuracyEvaluator } from '../../src/evaluators/box-accuracy.js';
import { writeScoreMapNpy } from '../../src/npy.js';
import {
  BoxAccuracyPool,
  defaultWorkers,
  scoreMapsParallel,
  workerFlavour,
} from '../../src/parallel/index.js';
import { scoreCamDirectory } from '../../src/score-cams.js';
import { mapAroundBoxes, rng } from '../synthetic.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-parallel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function jobs(n: number, seed: number) {
  const random = rng(seed);
  return Array.from({ length: n }, () => {
    const x0 = Math.floor(random() * 100);
    const y0 = Math.floor(random() * 100);
    const gtBoxes: Box[] = [
      { x0, y0, x1: x0 + 30 + Math.floor(random() * 90), y1: y0 + 30 + Math.floor(random() * 90) },
    ];
    return { map: mapAroundBoxes(gtBoxes, 224, random), gtBoxes };
  });
}

/**
 * The single-threaded result, computed once per job set and options: the pool's case reads it
 * for the same set several times (a job set is never changed once its reference is taken).
 */
const references = new WeakMap<object, Map<string, ReturnType<BoxAccuracyEvaluator['compute']>>>();
function reference(js: { map: ScoreMap; gtBoxes: Box[] }[], multiContour: boolean, iou?: number[]) {
  const known = references.get(js) ?? new Map();
  references.set(js, known);
  const key = `${multiContour} ${iou ?? ''}`;
  if (!known.has(key)) known.set(key, singleThreaded(js, multiContour, iou));
  return known.get(key)!;
}

function singleThreaded(js: { map: ScoreMap; gtBoxes: Box[] }[], multiContour: boolean, iou?: number[]) {
  const ev = new BoxAccuracyEvaluator({ multiContour, ...(iou === undefined ? {} : { iouThresholds: iou }) });
  for (const j of js) ev.accumulate(j.map, j.gtBoxes);
  return ev.compute();
}

describe('scoreMapsParallel (worker threads from src/, via the TypeScript module hooks)', () => {
  const js = jobs(30, 5);

  it('runs from the sources under vitest', () => {
    expect(workerFlavour()).toBe('source');
    // One convention with core's pools and --workers: worker threads, max(2, cores - 1) by default.
    expect(defaultWorkers()).toBe(Math.max(2, availableParallelism() - 1));
  });

  it('gives exactly the single-threaded result, whatever the workers and batch size', async () => {
    const ref = reference(js, true);
    const calling = await scoreMapsParallel(js, { workers: 0 });
    expect(calling.workers).toBe(0);
    const one = await scoreMapsParallel(js, { workers: 1 });
    expect(one.workers).toBe(1);
    const two = await scoreMapsParallel(js, { workers: 2, batchSize: 4 });
    expect(two.workers).toBe(2);
    const three = await scoreMapsParallel(js, { workers: 3, batchSize: 7, multiContour: true });
    for (const r of [calling, one, two, three]) {
      const { workers: _w, ...metrics } = r;
      expect(metrics).toEqual(ref);
    }
    // The caller's maps are copied, not detached, by default.
    expect(js[0]!.map.data.length).toBe(224 * 224);
  });

  it('honours the evaluator options (V1, custom IoU levels and grid) and transfer: true', async () => {
    const copies = js.map((j) => ({ map: { ...j.map, data: j.map.data.slice() }, gtBoxes: j.gtBoxes }));
    const ref = reference(js, false, [50]);
    const r = await scoreMapsParallel(copies, {
      workers: 2,
      multiContour: false,
      iouThresholds: [50],
      transfer: true,
    });
    const { workers: _w, ...metrics } = r;
    expect(metrics).toEqual(ref);
    expect(copies[0]!.map.data.length).toBe(0); // transferred: detached here
    const grid = [0, 0.25, 0.5, 0.75];
    const g = await scoreMapsParallel(js, { workers: 2, thresholds: grid });
    const ev = new BoxAccuracyEvaluator({ multiContour: true, thresholds: grid });
    for (const j of js) ev.accumulate(j.map, j.gtBoxes);
    expect(g.curves).toEqual(ev.compute().curves);
  });

  it('rejects with the evaluator error, naming the job, when a worker cannot score a map', async () => {
    const bad = jobs(12, 9);
    bad[9]!.map.data[17] = 1.5;
    // One run checked for both the class and the message (two identical runs proved no more).
    const error = await scoreMapsParallel(bad, { workers: 2, batchSize: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^job 9: score map value 1\.5 at pixel 17 is outside \[0, 1\]/);
    await expect(scoreMapsParallel(bad, { workers: 1 })).rejects.toThrow(/^job 9: score map value 1\.5/);
    await expect(scoreMapsParallel(bad, { workers: 0 })).rejects.toThrow(/^job 9: score map value 1\.5/);
    const noGt = jobs(4, 2);
    noGt[3]!.gtBoxes = [];
    await expect(scoreMapsParallel(noGt, { workers: 2, batchSize: 1 })).rejects.toThrow(
      /^job 3: an image without ground-truth boxes/,
    );
  });

  it('validates its options and handles no job at all', async () => {
    await expect(scoreMapsParallel(js, { workers: -1 })).rejects.toThrow(
      /workers must be a whole number >= 0/,
    );
    await expect(scoreMapsParallel(js, { workers: 1.5 })).rejects.toThrow(
      /workers must be a whole number >= 0/,
    );
    await expect(scoreMapsParallel(js, { workers: 2, batchSize: 0 })).rejects.toThrow(/batchSize/);
    const empty = await scoreMapsParallel([], { workers: 2 });
    expect(empty.count).toBe(0);
    expect(Number.isNaN(empty.maxBoxAccV2)).toBe(true);
  });
});

describe('BoxAccuracyPool (threads kept across calls)', () => {
  it('scores several sets on the same warm threads, each from zero, identical to one thread', async () => {
    const a = jobs(14, 31);
    const b = jobs(9, 32);
    const pool = new BoxAccuracyPool({ workers: 2, batchSize: 3 });
    try {
      await pool.start();
      const ra = await pool.score(a);
      // Concurrent calls run one after the other.
      const [rb, ra2] = await Promise.all([pool.score(b), pool.score(a)]);
      for (const [r, js] of [
        [ra, a],
        [rb, b],
        [ra2, a],
      ] as const) {
        const { workers, ...metrics } = r;
        expect(workers).toBe(2);
        expect(metrics).toEqual(reference(js, true));
      }
      // A failing call rejects; the next call gets fresh threads.
      const bad = jobs(6, 33);
      bad[4]!.map.data[0] = Number.NaN;
      await expect(pool.score(bad)).rejects.toThrow(/^job 4: score map value NaN/);
      const { workers: _w, ...again } = await pool.score(b);
      expect(again).toEqual(reference(b, true));
    } finally {
      await pool.close();
    }
    await expect(pool.score(a)).rejects.toThrow(/closed/);
    const inProcess = new BoxAccuracyPool({ workers: 0, multiContour: false });
    const { workers, ...v1 } = await inProcess.score(b);
    expect(workers).toBe(0);
    expect(v1).toEqual(reference(b, false));
    await inProcess.close();
  });
});

describe('scoreCamDirectory with worker threads', () => {
  it('reads the files in the workers and reports exactly what the calling thread reports', async () => {
    const root = join(tmp, 'ds');
    mkdirSync(root, { recursive: true });
    const random = rng(21);
    const ids = Array.from({ length: 23 }, (_, i) => `images/im${i}.jpg`);
    const boxes = ids.map((): Box => {
      const x0 = Math.floor(random() * 200);
      const y0 = Math.floor(random() * 150);
      return { x0, y0, x1: x0 + 40 + Math.floor(random() * 150), y1: y0 + 30 + Math.floor(random() * 120) };
    });
    writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
    writeFileSync(join(root, 'class_labels.txt'), ids.map((id) => `${id},0`).join('\n'));
    writeFileSync(join(root, 'image_sizes.txt'), ids.map((id) => `${id},400,300`).join('\n'));
    writeFileSync(
      join(root, 'localization.txt'),
      ids.map((id, i) => `${id},${boxes[i]!.x0},${boxes[i]!.y0},${boxes[i]!.x1},${boxes[i]!.y1}`).join('\n'),
    );
    const ds = await readDataset(root);
    const cams = join(tmp, 'cams');
    mkdirSync(join(cams, 'images'), { recursive: true });
    ids.forEach((id, i) => {
      const file = join(cams, `${id}.npy`);
      if (i === 3 || i === 17) return; // missing
      if (i === 8)
        writeFileSync(file, 'garbage'); // corrupt
      else if (i % 5 === 1) {
        // a small CAM, resized bicubic to 224 in the worker
        const data = Float32Array.from({ length: 49 }, () => random() * 4 - 1);
        writeScoreMapNpy(file, { width: 7, height: 7, data });
      } else writeScoreMapNpy(file, mapAroundBoxes([{ x0: 20, y0: 30, x1: 150, y1: 170 }], 224, random));
    });

    const progress1: number[] = [];
    const single = await scoreCamDirectory(ds, cams, { workers: 0, onProgress: (d) => progress1.push(d) });
    const progress2: number[] = [];
    const multi = await scoreCamDirectory(ds, cams, {
      workers: 2,
      batchSize: 3,
      onProgress: (d, total) => {
        expect(total).toBe(23);
        progress2.push(d);
      },
    });
    expect(single.problems.map((p) => [p.id, p.kind])).toEqual([
      ['images/im3.jpg', 'missing'],
      ['images/im8.jpg', 'corrupt'],
      ['images/im17.jpg', 'missing'],
    ]);
    expect(single.resized).toBeGreaterThan(0);
    expect(single.scored).toBe(20);
    expect(multi).toEqual(single);
    expect(progress1).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(progress2).toEqual(progress1);

    const v1 = await scoreCamDirectory(ds, cams, { workers: 2, multiContour: false, iouThresholds: [50] });
    expect(v1).toEqual(
      await scoreCamDirectory(ds, cams, { workers: 0, multiContour: false, iouThresholds: [50] }),
    );

    const controller = new AbortController();
    controller.abort();
    const aborted = await scoreCamDirectory(ds, cams, { workers: 2, signal: controller.signal });
    expect(aborted.aborted).toBe(true);
    expect(aborted.metrics.count).toBe(0);
  });
});

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
/** Internal, so not in the package's entry: the compiled module that starts the worker. */
const distHooks = fileURLToPath(new URL('../../dist/parallel/ts-hooks.js', import.meta.url));

describe('the compiled worker (dist/parallel/worker.js)', () => {
  it.skipIf(!existsSync(dist))('scores in real worker threads from dist with the same result', () => {
    // A plain node process, so the worker is dist/parallel/worker.js, not the TypeScript sources;
    // it gets the shared seeded generator as source (it cannot import TypeScript).
    const script = `
import { BoxAccuracyEvaluator, scoreMapsParallel } from ${JSON.stringify(dist)};
import { workerFlavour } from ${JSON.stringify(distHooks)};
const random = (${rng.toString()})(99);
const jobs = Array.from({ length: 20 }, (_, i) => {
  const data = new Float32Array(224 * 224);
  for (let y = 0; y < 224; y++) for (let x = 0; x < 224; x++)
    data[y * 224 + x] = Math.exp(-((x - 60 - i * 4) ** 2 + (y - 100) ** 2) / 2000) * 0.9 + 0.1 * random();
  return { map: { width: 224, height: 224, data }, gtBoxes: [{ x0: 30, y0: 60, x1: 120 + i, y1: 150 }] };
});
const ev = new BoxAccuracyEvaluator({ multiContour: true });
for (const j of jobs) ev.accumulate(j.map, j.gtBoxes);
const ref = ev.compute();
const r = await scoreMapsParallel(jobs, { workers: 2, batchSize: 3 });
const same = r.curves.every((c, k) => c.every((v, t) => v === ref.curves[k][t])) && r.maxBoxAccV2 === ref.maxBoxAccV2;
let error = '';
jobs[5].map.data[0] = -1;
try { await scoreMapsParallel(jobs, { workers: 2 }); } catch (e) { error = e.name + ': ' + e.message; }
console.log(JSON.stringify({ flavour: workerFlavour(), workers: r.workers, count: r.count, same, v2: r.maxBoxAccV2, error }));
`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const res = JSON.parse(out.trim().split('\n').pop()!);
    expect(res.flavour).toBe('compiled');
    expect(res.workers).toBe(2);
    expect(res.count).toBe(20);
    expect(res.same).toBe(true);
    expect(res.v2).toBeGreaterThan(0);
    expect(res.error).toMatch(/^UsageError: job 5: score map value -1 at pixel 0/);
  });
  if (!existsSync(dist)) console.warn(`skipping the dist worker test: ${dist} is missing (pnpm build first)`);
});
