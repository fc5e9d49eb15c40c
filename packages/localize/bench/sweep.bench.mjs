/**
 * The many-threshold sweep against the slow path: boxes of one smooth 224x224 map at wsolevaluation's
 * 1000 thresholds, by `wsolBoxSweep` (one pass) and by calling `wsolBoxes` per threshold (one
 * contour trace each), in both modes; the ratio; and the sweep's mean time over 50 different smooth
 * maps (the figure that matters for scoring 1000 images). Needs a built package (dist/).
 */
import { thresholdGrid, wsolBoxes, wsolBoxSweep } from '../dist/index.js';

function smoothMap(seed, size = 224) {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // A 7x7 "CAM" of random bumps, upsampled bilinearly, min-max normalised: the shape real CAMs have.
  const k = 7;
  const small = Array.from({ length: k * k }, () => rnd());
  for (let b = 0; b < 2; b++) small[Math.floor(rnd() * k * k)] += 2;
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const fy = Math.min(k - 1, Math.max(0, ((y + 0.5) * k) / size - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(k - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(k - 1, Math.max(0, ((x + 0.5) * k) / size - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(k - 1, x0 + 1);
      const wx = fx - x0;
      const top = small[y0 * k + x0] * (1 - wx) + small[y0 * k + x1] * wx;
      const bot = small[y1 * k + x0] * (1 - wx) + small[y1 * k + x1] * wx;
      data[y * size + x] = top * (1 - wy) + bot * wy;
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - lo) / (hi - lo);
  return { width: size, height: size, data };
}

function time(fn, minMs = 300) {
  fn(); // warm-up
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return elapsed / runs;
}

export default async function bench() {
  const grid = thresholdGrid(0.001);
  const map = smoothMap(1);
  const rows = [];
  for (const multiContour of [true, false]) {
    const mode = multiContour ? 'multi-contour' : 'single box';
    const sweep = time(() => wsolBoxSweep(map, grid, { multiContour }));
    const loop = time(() => {
      for (let i = 0; i < grid.length; i++) wsolBoxes(map, grid[i], { multiContour });
    }, 1);
    rows.push(
      { name: `wsolBoxSweep 224x224, 1000 thresholds (${mode})`, value: +sweep.toFixed(3), unit: 'ms' },
      { name: `wsolBoxes per threshold, 1000 calls (${mode})`, value: +loop.toFixed(1), unit: 'ms' },
      { name: `sweep speed-up (${mode})`, value: +(loop / sweep).toFixed(0), unit: 'x' },
    );
  }
  const maps = Array.from({ length: 50 }, (_, i) => smoothMap(100 + i));
  for (const multiContour of [true, false]) {
    let i = 0;
    const per = time(() => wsolBoxSweep(maps[i++ % maps.length], grid, { multiContour }), 500);
    rows.push({
      name: `wsolBoxSweep mean over 50 smooth 224x224 maps (${multiContour ? 'multi' : 'single'})`,
      value: +per.toFixed(3),
      unit: 'ms/map',
      note: 'target ~0.5 ms',
    });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await bench());
}
