/**
 * Realistic CAM-like score maps for the benchmarks: a random 7x7 "feature map" field with one to
 * three positive blobs, upsampled to 224x224 with core's bicubic `resampleScoreMap` (what the
 * wsolevaluation protocol does to a CAM), then min-max normalised. Smooth, no per-pixel noise, few
 * components: the shape real CAMs have. `noisy: true` adds 0.02 * uniform noise per pixel after
 * upsampling (a stress case: real CAMs never have it).
 */
import { resampleScoreMap } from '@cam-localize/core';

/** Deterministic PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One CAM-like map and ground-truth boxes around its blobs (224-pixel frame, inclusive corners). */
export function camMap(random, { size = 224, grid = 7, noisy = false } = {}) {
  const small = new Float32Array(grid * grid);
  // Background: weak, signed (no ReLU in the protocol).
  for (let i = 0; i < small.length; i++) small[i] = 0.3 * (random() - 0.5);
  const blobs = 1 + Math.floor(random() * 3);
  const gt = [];
  const cell = size / grid;
  for (let b = 0; b < blobs; b++) {
    const cx = random() * (grid - 1);
    const cy = random() * (grid - 1);
    const s = 0.5 + random() * 1.2;
    const a = 0.5 + random();
    for (let y = 0; y < grid; y++) {
      for (let x = 0; x < grid; x++) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        small[y * grid + x] += a * Math.exp(-d2 / (2 * s * s));
      }
    }
    const px = (cx + 0.5) * cell;
    const py = (cy + 0.5) * cell;
    const r = 1.5 * s * cell;
    gt.push({
      x0: Math.max(0, Math.floor(px - r)),
      y0: Math.max(0, Math.floor(py - r)),
      x1: Math.min(size - 1, Math.floor(px + r)),
      y1: Math.min(size - 1, Math.floor(py + r)),
    });
  }
  const up = resampleScoreMap({ width: grid, height: grid, data: small }, size, size, 'bicubic');
  const data = up.data;
  if (noisy) for (let i = 0; i < data.length; i++) data[i] += 0.02 * random();
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - lo) / (hi - lo);
  return { map: { width: size, height: size, data }, gt };
}
