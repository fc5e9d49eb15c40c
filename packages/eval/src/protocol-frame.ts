/**
 * The evaluation frame of wsolevaluation's protocol, one for `run` (maps fresh from a model) and
 * `eval` (maps read from .npy files): ground-truth boxes clipped to their image once, then scaled
 * to the frame with int() truncation; score maps resized to the frame with OpenCV's bicubic
 * (only when their size differs) and min-max normalised in float64 (`normalize_scoremap`).
 */
import { type Box, resampleScoreMap, type ScoreMap } from '@cam-localize/core';
import { normalizeMinMaxWsol64 } from './evaluation-protocol.js';
import { type ClippedBoxes, clipBoxesToImage } from './ground-truth.js';
import { resizeBoxWsol } from './iou.js';

export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

export type FrameResample = (map: ScoreMap, width: number, height: number, mode: 'bicubic') => ScoreMap;

/** Ground-truth boxes clipped to their image (`boxes`, with the counts) and in the frame (`inFrame`). */
export interface FramedBoxes extends ClippedBoxes {
  readonly inFrame: Box[];
}

/**
 * `boxes` of an image of size `image` clipped to it, and scaled to `frame` as wsolevaluation's
 * `resize_bbox` does ('resize-truncate'), or left in image pixels ('exact', the tool's rule).
 */
export function groundTruthInFrame(
  boxes: readonly Box[],
  image: FrameSize,
  frame: FrameSize,
  rule: 'resize-truncate' | 'exact' = 'resize-truncate',
): FramedBoxes {
  const clipped = clipBoxesToImage(boxes, image.width, image.height);
  const inFrame =
    rule === 'exact'
      ? clipped.boxes
      : clipped.boxes.map((b) => resizeBoxWsol(b, image.width, image.height, frame.width, frame.height));
  return { ...clipped, inFrame };
}

/** A score map in the frame: its values normalised in float64, and whether it had to be resized. */
export interface FramedMap {
  readonly values: Float64Array;
  readonly width: number;
  readonly height: number;
  readonly resized: boolean;
}

/**
 * A map brought to `frame`: bicubic resize (float32, as `cv2.resize` on the model's output) when
 * its size differs, then wsolevaluation's min-max normalisation in float64. Throws what the
 * resampler throws (a map too small to resize).
 */
export function wsolMapInFrame(
  map: { readonly width: number; readonly height: number; readonly data: ArrayLike<number> },
  frame: FrameSize,
  resample: FrameResample = resampleScoreMap,
): FramedMap {
  if (map.width === frame.width && map.height === frame.height) {
    return { values: normalizeMinMaxWsol64(map.data), width: map.width, height: map.height, resized: false };
  }
  const source: ScoreMap = {
    width: map.width,
    height: map.height,
    data: map.data instanceof Float32Array ? map.data : Float32Array.from(map.data),
  };
  const resized = resample(source, frame.width, frame.height, 'bicubic');
  return {
    values: normalizeMinMaxWsol64(resized.data),
    width: frame.width,
    height: frame.height,
    resized: true,
  };
}
