/**
 * Localisation hot paths on realistic CAM-like 224x224 maps (bench/cam-maps.mjs: a 7x7 field with
 * one to three blobs, bicubic-upsampled, min-max normalised):
 * - the many-threshold sweep (wsolevaluation's 1000 thresholds) against the slow path (wsolBoxes per
 *   threshold) on one map, both modes, and its mean over 200 maps (the figure that matters for
 *   scoring 1000 images), plus the same on noisy maps (a stress case);
 * - connectedComponents and boxesFromMap at one threshold (20% of the maximum, 8-connectivity, the
 *   CLI's 'largest' box), per map.
 * Needs a built package (dist/).
 */
import {
  boxesFromMap,
  connectedComponents,
  foregroundMask,
  quantizeScoreMap,
  thresholdGrid,
  thresholdValue,
  wsolBoxes,
  wsolBoxSweep,
  wsolBoxSweepQuantized,
} from '../dist/index.js';
import { camMap, rng } from './cam-maps.mjs';

/** Best of `rounds` timings of `fn` (ms per call), each round at least `minMs` long. */
function time(fn, { minMs = 200, rounds = 5 } = {}) {
  fn(); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    let runs = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fn();
      runs++;
      elapsed = performance.now() - start;
    } while (elapsed < minMs);
    best = Math.min(best, elapsed / runs);
  }
  return best;
}

export default async function bench() {
  const grid = thresholdGrid(0.001);
  const random = rng(2024);
  const maps = Array.from({ length: 200 }, () => camMap(random).map);
  const noisy = Array.from({ length: 200 }, () => camMap(random, { noisy: true }).map);
  const q = maps.map(quantizeScoreMap);
  const qNoisy = noisy.map(quantizeScoreMap);
  const map = maps[0];
  const rows = [];
  for (const multiContour of [true, false]) {
    const mode = multiContour ? 'multi-contour' : 'single box';
    const sweep = time(() => wsolBoxSweep(map, grid, { multiContour }));
    const loop = time(
      () => {
        for (let i = 0; i < grid.length; i++) wsolBoxes(map, grid[i], { multiContour });
      },
      { minMs: 1, rounds: 2 },
    );
    rows.push(
      { name: `wsolBoxSweep, one CAM map, 1000 thresholds (${mode})`, value: +sweep.toFixed(3), unit: 'ms' },
      { name: `wsolBoxes per threshold, 1000 calls (${mode})`, value: +loop.toFixed(1), unit: 'ms' },
      { name: `sweep speed-up (${mode})`, value: +(loop / sweep).toFixed(0), unit: 'x' },
    );
  }
  for (const [label, set] of [
    ['CAM maps', q],
    ['noisy maps (stress)', qNoisy],
  ]) {
    for (const multiContour of [true, false]) {
      const per =
        time(() => {
          for (const m of set) wsolBoxSweepQuantized(m, 224, 224, grid, { multiContour });
        }) / set.length;
      rows.push({
        name: `wsolBoxSweepQuantized mean over 200 ${label} (${multiContour ? 'multi' : 'single'})`,
        value: +per.toFixed(3),
        unit: 'ms/map',
        ...(label === 'CAM maps' ? { note: 'target <= 0.7 ms' } : {}),
      });
    }
  }
  const spec = { kind: 'fraction', value: 0.2 };
  const cc =
    time(() => {
      for (const m of maps) connectedComponents(foregroundMask(m, thresholdValue(m, spec)), 224, 224);
    }) / maps.length;
  const boxes =
    time(() => {
      for (const m of maps) boxesFromMap(m, { threshold: spec, mode: 'largest', connectivity: 8 });
    }) / maps.length;
  rows.push(
    {
      name: 'threshold + foregroundMask + connectedComponents, CAM 224x224 at 20%',
      value: +cc.toFixed(3),
      unit: 'ms/map',
      note: 'target <= 0.25 ms',
    },
    {
      name: "boxesFromMap ('largest', 20% of max, 8-connected), CAM 224x224",
      value: +boxes.toFixed(3),
      unit: 'ms/map',
      note: 'target <= 0.25 ms',
    },
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await bench());
}
