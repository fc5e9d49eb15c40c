/**
 * MaxBoxAccV2 (multi-contour, IoU 30/50/70) and MaxBoxAcc V1 (largest contour, IoU 50) over 1000
 * 224x224 score maps at 1000 CAM thresholds (np.arange(0, 1, 0.001)), accumulate + compute, as
 * `cam-localize eval` does it. wsolevaluation's Python BoxEvaluator takes about 17 s for the same work.
 *
 * Main rows: realistic CAM-like maps (a random 7x7 field with one to three positive blobs, upsampled
 * with core's bicubic resampleScoreMap, min-max normalised: smooth, few components, the odd hole).
 * Stress row: the same maps plus 0.02 * uniform noise per pixel, which real CAMs never have (many
 * tiny components and holes at low thresholds).
 */
// The realistic CAM-like maps are shared with localize's sweep benchmark.
import { camMap as camImage, rng } from '../../localize/bench/cam-maps.mjs';
import { BoxAccuracyEvaluator, scoreMapsParallel } from '../dist/index.js';
import { BoxAccuracyPool } from '../dist/parallel/index.js';

/** Total ms to accumulate every image and compute; best of `rounds`. */
function run(images, options, rounds = 3) {
  let best = Number.POSITIVE_INFINITY;
  let result;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    const evaluator = new BoxAccuracyEvaluator(options);
    for (const { map, gt } of images) evaluator.accumulate(map, gt);
    result = evaluator.compute();
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, result };
}

/**
 * 2 worker threads over the same maps. Warm: a BoxAccuracyPool whose threads are started and
 * JIT-warmed (30 maps each, as the single-threaded rows are warmed) beforehand; each timed call
 * copies and posts every map, scores, merges the workers' counters and computes. One-shot:
 * scoreMapsParallel, thread start-up and a cold JIT included. Best of `rounds` each.
 */
async function runParallel(images, workers, rounds = 3) {
  const jobs = images.map(({ map, gt }) => ({ map, gtBoxes: gt }));
  const startAt = performance.now();
  const pool = new BoxAccuracyPool({ workers, multiContour: true });
  await pool.start();
  const startupMs = performance.now() - startAt;
  let warm = Number.POSITIVE_INFINITY;
  let oneShot = Number.POSITIVE_INFINITY;
  let result;
  try {
    await pool.score(jobs.slice(0, 30 * workers));
    for (let r = 0; r < rounds; r++) {
      const start = performance.now();
      result = await pool.score(jobs);
      warm = Math.min(warm, performance.now() - start);
    }
  } finally {
    await pool.close();
  }
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    const once = await scoreMapsParallel(jobs, { workers, multiContour: true });
    oneShot = Math.min(oneShot, performance.now() - start);
    if (once.maxBoxAccV2 !== result.maxBoxAccV2) throw new Error('one-shot and pool results differ');
  }
  return { ms: warm, oneShot, startupMs, result };
}

export default async function bench() {
  const random = rng(1234);
  const images = Array.from({ length: 1000 }, () => camImage(random));
  const noisy = Array.from({ length: 1000 }, () => camImage(random, { noisy: true }));

  // Warm-up (JIT), not counted.
  for (const multiContour of [true, false]) {
    const warm = new BoxAccuracyEvaluator({ multiContour });
    for (let i = 0; i < 30; i++) warm.accumulate(images[i].map, images[i].gt);
    warm.compute();
  }

  const v2 = run(images, { multiContour: true });
  const v1 = run(images, { multiContour: false, iouThresholds: [50] });
  const stress = run(noisy, { multiContour: true }, 1);
  const par = await runParallel(images, 2);
  const same =
    par.result.maxBoxAccV2 === v2.result.maxBoxAccV2 &&
    par.result.curves.every((c, k) => c.every((v, t) => v === v2.result.curves[k][t]));
  if (!same) throw new Error('2-worker MaxBoxAccV2 differs from the single-threaded result');
  const r = (x) => +x.toFixed(3);
  return [
    {
      name: 'MaxBoxAccV2, 1000 CAM maps 224x224, 1000 thresholds (total)',
      value: r(v2.ms),
      unit: 'ms',
      note: `MaxBoxAccV2 ${v2.result.maxBoxAccV2.toFixed(2)}; wsolevaluation ~17 s`,
    },
    { name: 'MaxBoxAccV2 per image', value: r(v2.ms / 1000), unit: 'ms' },
    {
      name: 'MaxBoxAccV2, 1000 CAM maps, 2 workers (total ms)',
      value: r(par.ms),
      unit: 'ms',
      note: 'warm BoxAccuracyPool: copy + post of every map, scoring, merge, compute; identical result',
    },
    { name: 'MaxBoxAccV2, 2 workers: speed-up over 1 thread', value: r(v2.ms / par.ms), unit: 'x' },
    {
      name: '2 workers: thread start-up (not in the row above)',
      value: r(par.startupMs),
      unit: 'ms',
    },
    {
      name: 'MaxBoxAccV2, 1000 CAM maps, 2 workers, one-shot scoreMapsParallel (total)',
      value: r(par.oneShot),
      unit: 'ms',
      note: 'thread start-up and cold JIT included',
    },
    { name: 'one-shot 2 workers: speed-up over 1 thread', value: r(v2.ms / par.oneShot), unit: 'x' },
    { name: 'MaxBoxAcc V1 (largest contour, IoU 50), 1000 CAM maps (total)', value: r(v1.ms), unit: 'ms' },
    { name: 'MaxBoxAcc V1 per image', value: r(v1.ms / 1000), unit: 'ms' },
    {
      name: 'MaxBoxAccV2, 1000 noisy maps (stress: + 0.02 noise per pixel) (total)',
      value: r(stress.ms),
      unit: 'ms',
      note: 'real CAMs have no per-pixel noise',
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await bench());
}
