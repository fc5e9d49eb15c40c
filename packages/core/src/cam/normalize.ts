import type { Normalization } from './types.js';

/**
 * Normalises a map in place. Min-max follows wsolevaluation's `normalize_scoremap`: a map whose
 * range is zero or not finite becomes all zeros, so a dead CAM never produces NaN boxes.
 */
export function normalizeInPlace(data: Float32Array, normalization: Normalization): Float32Array {
  if (normalization === 'none') return data;
  if (normalization === 'relu-minmax') {
    for (let i = 0; i < data.length; i++) if (data[i]! < 0) data[i] = 0;
  }
  return minMaxInPlace(data);
}

/** Min-max to [0,1] in float32 arithmetic; constant or non-finite maps become zeros. */
export function minMaxInPlace(data: Float32Array): Float32Array {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let finite = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      finite = false;
      break;
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = Math.fround(hi - lo);
  if (!finite || !(range > 0) || !Number.isFinite(range)) return data.fill(0);
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(Math.fround(data[i]! - lo) / range);
  return data;
}
