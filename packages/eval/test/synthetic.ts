/** Deterministic synthetic score maps for tests: smooth blobs around given boxes plus noise. */
import type { Box, ScoreMap } from '@cam-localize/core';

import { rng } from '../../../test-support/random.js';

export { rng };

/**
 * A size x size map (float32, in [0, 1]) with one Gaussian bump per box (shifted and scaled at
 * random, so some boxes are found well and some badly), a distractor bump, and noise.
 */
export function mapAroundBoxes(boxes: readonly Box[], size: number, random: () => number): ScoreMap {
  const bumps: [number, number, number, number, number][] = [];
  for (const b of boxes) {
    const w = Math.max(2, b.x1 - b.x0);
    const h = Math.max(2, b.y1 - b.y0);
    bumps.push([
      (b.x0 + b.x1) / 2 + (random() - 0.5) * w * 0.6,
      (b.y0 + b.y1) / 2 + (random() - 0.5) * h * 0.6,
      (w / 4) * (0.6 + random()),
      (h / 4) * (0.6 + random()),
      0.5 + random() * 0.5,
    ]);
  }
  bumps.push([random() * size, random() * size, 5 + random() * 20, 5 + random() * 20, random() * 0.6]);
  const data = new Float32Array(size * size);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0.05 * random();
      for (const [cx, cy, sx, sy, a] of bumps) {
        const dx = (x - cx) / sx;
        const dy = (y - cy) / sy;
        v += a * Math.exp(-0.5 * (dx * dx + dy * dy));
      }
      const f = Math.fround(v);
      data[y * size + x] = f;
      if (f < min) min = f;
      if (f > max) max = f;
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = (data[i]! - min) / (max - min);
  return { width: size, height: size, data };
}
