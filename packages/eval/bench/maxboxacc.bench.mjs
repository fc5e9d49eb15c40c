/**
 * MaxBoxAccV2 over 1000 synthetic smooth 224x224 score maps at 1000 CAM thresholds
 * (np.arange(0, 1, 0.001)), accumulate + compute, as `cam-localize eval` does it.
 * wsolevaluation's Python BoxEvaluator takes about 17 s for the same work.
 */
import { BoxAccuracyEvaluator } from '../dist/index.js';

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A smooth map: a few Gaussian blobs plus a little noise, min-max normalised; and GT boxes. */
function syntheticImage(random, size = 224) {
  const data = new Float32Array(size * size);
  const blobs = 1 + Math.floor(random() * 3);
  const gt = [];
  const params = [];
  for (let b = 0; b < blobs; b++) {
    const cx = 30 + random() * (size - 60);
    const cy = 30 + random() * (size - 60);
    const sx = 8 + random() * 40;
    const sy = 8 + random() * 40;
    params.push([cx, cy, sx, sy, 0.5 + random() * 0.5]);
    gt.push({
      x0: Math.max(0, Math.floor(cx - 2 * sx)),
      y0: Math.max(0, Math.floor(cy - 2 * sy)),
      x1: Math.min(size - 1, Math.floor(cx + 2 * sx)),
      y1: Math.min(size - 1, Math.floor(cy + 2 * sy)),
    });
  }
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0.02 * random();
      for (const [cx, cy, sx, sy, w] of params) {
        const dx = (x - cx) / sx;
        const dy = (y - cy) / sy;
        v += w * Math.exp(-0.5 * (dx * dx + dy * dy));
      }
      const f = Math.fround(v);
      data[y * size + x] = f;
      if (f < min) min = f;
      if (f > max) max = f;
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - min) / (max - min);
  return { map: { width: size, height: size, data }, gt };
}

export default async function bench() {
  const random = rng(1234);
  const images = [];
  for (let i = 0; i < 1000; i++) images.push(syntheticImage(random));

  // Warm-up on a few images (JIT), not counted.
  const warm = new BoxAccuracyEvaluator({ multiContour: true });
  for (let i = 0; i < 20; i++) warm.accumulate(images[i].map, images[i].gt);
  warm.compute();

  const start = performance.now();
  const evaluator = new BoxAccuracyEvaluator({ multiContour: true });
  for (const { map, gt } of images) evaluator.accumulate(map, gt);
  const result = evaluator.compute();
  const total = performance.now() - start;

  const startV1 = performance.now();
  const v1 = new BoxAccuracyEvaluator({ multiContour: false, iouThresholds: [50] });
  for (const { map, gt } of images) v1.accumulate(map, gt);
  v1.compute();
  const totalV1 = performance.now() - startV1;

  return [
    {
      name: 'MaxBoxAccV2, 1000 maps 224x224, 1000 thresholds (total)',
      value: total,
      unit: 'ms',
      note: `MaxBoxAccV2 ${result.maxBoxAccV2.toFixed(2)}; wsolevaluation ~17 s`,
    },
    { name: 'per image', value: total / 1000, unit: 'ms' },
    { name: 'MaxBoxAcc V1 (largest contour, IoU 50), 1000 maps (total)', value: totalV1, unit: 'ms' },
  ];
}
