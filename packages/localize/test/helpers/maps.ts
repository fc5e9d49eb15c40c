/** Seeded random score maps for property tests (small, varied, with the awkward cases). */
import type { ScoreMap } from '@cam-localize/core';
import fc from 'fast-check';

import { rng } from '../../../../test-support/random.js';

export { rng };

export const MAP_KINDS = [
  'blobs',
  'noise',
  'plateaus',
  'binary',
  'rings',
  'zero',
  'constant',
  'single',
  'nan',
  'levels',
  'checker',
] as const;
export type MapKind = (typeof MAP_KINDS)[number];

function normalise(d: Float64Array): Float32Array {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of d) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = hi > lo ? Math.fround(Math.fround(d[i]! - lo) / (hi - lo)) : 0;
  return out;
}

export function makeMap(kind: MapKind, width: number, height: number, seed: number): ScoreMap {
  const r = rng(seed);
  const n = width * height;
  const d = new Float64Array(n);
  const bumps = (count: number, ring: boolean): void => {
    for (let k = 0; k < count; k++) {
      const cx = (r() * 1.4 - 0.2) * width;
      const cy = (r() * 1.4 - 0.2) * height;
      const s = 0.5 + r() * 0.4 * Math.max(width, height);
      const rad = ring ? 1 + r() * 0.5 * Math.min(width, height) : 0;
      const a = 0.2 + r();
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const dist = Math.hypot(x - cx, y - cy) - rad;
          d[y * width + x]! += a * Math.exp(-(dist * dist) / (2 * s * s));
        }
      }
    }
  };
  switch (kind) {
    case 'blobs':
      bumps(1 + Math.floor(r() * 4), false);
      return { width, height, data: normalise(d) };
    case 'rings':
      bumps(1 + Math.floor(r() * 3), true);
      if (r() < 0.5) bumps(1, false);
      return { width, height, data: normalise(d) };
    case 'noise':
      for (let i = 0; i < n; i++) d[i] = r();
      return { width, height, data: Float32Array.from(d) };
    case 'plateaus': {
      const k = 1 + Math.floor(r() * 5);
      for (let i = 0; i < n; i++) d[i] = Math.floor(r() * (k + 1)) / k;
      return { width, height, data: Float32Array.from(d) };
    }
    case 'binary': {
      const p = 0.2 + r() * 0.6;
      for (let i = 0; i < n; i++) d[i] = r() < p ? 1 : 0;
      return { width, height, data: Float32Array.from(d) };
    }
    case 'zero':
      return { width, height, data: new Float32Array(n) };
    case 'constant':
      return { width, height, data: new Float32Array(n).fill(r()) };
    case 'single': {
      const data = new Float32Array(n);
      data[Math.floor(r() * n)] = 0.1 + 0.9 * r();
      return { width, height, data };
    }
    case 'nan': {
      bumps(2, false);
      const data = normalise(d);
      for (let i = 0; i < n; i++) if (r() < 0.15) data[i] = Number.NaN;
      return { width, height, data };
    }
    case 'levels': {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = Math.fround(Math.floor(r() * 256) / 255);
      return { width, height, data };
    }
    case 'checker': {
      const data = new Float32Array(n);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) data[y * width + x] = (x + y) % 2 === 1 || r() < 0.2 ? 1 : 0;
      return { width, height, data };
    }
  }
}

/** A random map: kind, size (1..maxSize, with 1xN and Nx1 likely), seed. */
export function arbMap(maxSize = 16): fc.Arbitrary<ScoreMap & { kind: MapKind; seed: number }> {
  const side = fc.oneof(
    { weight: 1, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: maxSize }) },
  );
  return fc
    .record({
      kind: fc.constantFrom(...MAP_KINDS),
      width: side,
      height: side,
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .map(({ kind, width, height, seed }) => ({ ...makeMap(kind, width, height, seed), kind, seed }));
}
