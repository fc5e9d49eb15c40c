/**
 * What `--compat` does to a map once it is resized to the input size (or to the photo's): only
 * pytorch-grad-cam changes it. Its `compute_cam_per_layer` min-maxes the grid map and resizes it
 * (`scale_cam_image(cam, target_size)`), then `aggregate_multi_layers` min-maxes it again at the
 * input size:
 *
 *   `return scale_cam_image(result)`  (base_cam.py)
 *
 * Bilinear upsampling reaches neither the grid's maximum nor its minimum exactly (no output pixel
 * centre falls on a grid cell's centre), so that second min-max moves a 7x7 -> 224 map by up to
 * ~0.025. The paper's form and torch-cam's leave the resized map as it is.
 */
import type { ScoreMap } from '../scoremap.js';
import { scaleCamImageInPlace } from './normalize.js';
import type { CamCompat, Normalization } from './types.js';

/** Whether `compat` min-maxes a map again after it is resized (a raw map, `none`, stays raw). */
export function rescalesAfterResize(
  compat: CamCompat = 'paper',
  normalization: Normalization = 'relu-minmax',
): boolean {
  return compat === 'pytorch-grad-cam' && normalization !== 'none';
}

/**
 * The resized map `map` (a fresh one: it is changed in place) as `compat`'s library leaves it:
 * pytorch-grad-cam's second `scale_cam_image`, (x - min) / (max - min + 1e-7); else unchanged.
 *
 * @example
 * const input = compatAfterResize(resampleScoreMap(grid, 224, 224), 'pytorch-grad-cam');
 */
export function compatAfterResize(
  map: ScoreMap,
  compat: CamCompat = 'paper',
  normalization: Normalization = 'relu-minmax',
): ScoreMap {
  if (rescalesAfterResize(compat, normalization)) scaleCamImageInPlace(map.data);
  return map;
}
