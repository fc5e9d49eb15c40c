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

/**
 * torch-cam's `_CAM._normalize` (core.py), after its ReLU where the method has one (`relu-minmax`):
 * `cams.sub_(min)` then `cams.div_(max + eps)` with eps = 1e-8, in float32. A constant map becomes
 * zeros there too (0 / 1e-8); a non-finite one becomes zeros, as `minMaxInPlace` makes it.
 */
export function torchCamNormalizeInPlace(data: Float32Array, normalization: Normalization): Float32Array {
  if (normalization === 'none') return data;
  if (normalization === 'relu-minmax') {
    for (let i = 0; i < data.length; i++) if (data[i]! < 0) data[i] = 0;
  }
  return shiftScaleInPlace(data, 1e-8);
}

/**
 * pytorch-grad-cam's `scale_cam_image` (utils/image.py): `img - np.min(img)`, then
 * `img / (1e-7 + np.max(img))`, in float32.
 */
export function scaleCamImageInPlace(data: Float32Array): Float32Array {
  return shiftScaleInPlace(data, 1e-7);
}

/** x - min, then / (max of that + eps), in float32; a non-finite map becomes zeros. */
function shiftScaleInPlace(data: Float32Array, eps: number): Float32Array {
  let lo = Number.POSITIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) return data.fill(0);
    if (v < lo) lo = v;
  }
  let hi = 0;
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.fround(data[i]! - lo);
    if (data[i]! > hi) hi = data[i]!;
  }
  const divisor = Math.fround(hi + eps);
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(data[i]! / divisor);
  return data;
}
