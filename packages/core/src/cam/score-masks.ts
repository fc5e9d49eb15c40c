/**
 * The masks of the Score-CAM family: one feature channel upsampled to the input size and
 * min-max scaled to [0,1], the way the paper (OpenCV/half-pixel bilinear, plain min-max),
 * pytorch-grad-cam (`UpsamplingBilinear2d`, i.e. align_corners=True, and max - min + 1e-8) or
 * torch-cam (min-max with max + 1e-8 at the feature size, then half-pixel bilinear) makes them.
 */
import { resampleScoreMap } from '../resample.js';
import { scoreMap } from '../scoremap.js';
import { minMaxInPlace, torchCamNormalizeInPlace } from './normalize.js';
import type { CamCompat } from './types.js';

export function channelMask(
  channel: Float32Array,
  width: number,
  height: number,
  inputWidth: number,
  inputHeight: number,
  compat: CamCompat,
): Float32Array {
  if (compat === 'torch-cam') {
    // `self._normalize(act.clone(), act.ndim - 2)` at the feature size, then `F.interpolate`.
    const scaled = torchCamNormalizeInPlace(channel.slice(), 'minmax');
    return resampleScoreMap(scoreMap(width, height, scaled), inputWidth, inputHeight, 'bilinear').data;
  }
  if (compat !== 'pytorch-grad-cam') {
    return minMaxInPlace(resampleScoreMap(scoreMap(width, height, channel), inputWidth, inputHeight).data);
  }
  const mask = upsampleAlignCorners(channel, width, height, inputWidth, inputHeight);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of mask) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo + 1e-8;
  for (let p = 0; p < mask.length; p++) mask[p] = (mask[p]! - lo) / range;
  return mask;
}

/** Bilinear upsampling with align_corners=True: output corners sit on input corners. */
export function upsampleAlignCorners(
  data: Float32Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Float32Array {
  const out = new Float32Array(outWidth * outHeight);
  const sx = outWidth > 1 ? (width - 1) / (outWidth - 1) : 0;
  const sy = outHeight > 1 ? (height - 1) / (outHeight - 1) : 0;
  for (let y = 0; y < outHeight; y++) {
    const fy = y * sy;
    const y0 = Math.min(Math.floor(fy), height - 1);
    const y1 = Math.min(y0 + 1, height - 1);
    const ty = fy - y0;
    for (let x = 0; x < outWidth; x++) {
      const fx = x * sx;
      const x0 = Math.min(Math.floor(fx), width - 1);
      const x1 = Math.min(x0 + 1, width - 1);
      const tx = fx - x0;
      const top = data[y0 * width + x0]! * (1 - tx) + data[y0 * width + x1]! * tx;
      const bottom = data[y1 * width + x0]! * (1 - tx) + data[y1 * width + x1]! * tx;
      out[y * outWidth + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}
