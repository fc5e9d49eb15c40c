/**
 * Named evaluation conventions. `WSOL_PROTOCOL` is the protocol of wsolevaluation (Choe et al.,
 * CVPR 2020, github.com/clovaai/wsolevaluation), the one published WSOL numbers are computed
 * with; `TOOL_DEFAULTS` is what cam-localize does when no protocol is asked for. Every difference
 * is a named field, so a report can print which convention produced a number and the CLI can
 * switch all of them with one flag.
 */
import type { ScoreMap } from '@cam-localize/core';
import { DEFAULT_THRESHOLD } from '@cam-localize/localize';
import type { IouConvention } from './iou.js';

export interface EvaluationProtocol {
  /** Short name printed in reports. */
  readonly name: string;
  /** Where the definition comes from. */
  readonly reference: string;
  /** Model input / evaluation frame: images resized (no crop, aspect not kept) to this size. */
  readonly resize: { readonly width: number; readonly height: number; readonly crop: false } | 'preset';
  /** How ground-truth boxes get into the evaluation frame. */
  readonly gtBoxes: 'resize-truncate' | 'exact';
  /** Which class's CAM is localised for GT-known / MaxBoxAcc. */
  readonly camClass: 'ground-truth' | 'predicted';
  /** Whether negative CAM values are clipped to 0 before normalisation. */
  readonly relu: boolean;
  /** Interpolation of the CAM up to the evaluation frame. */
  readonly upsample: 'bicubic' | 'bilinear';
  /** Score-map normalisation. */
  readonly normalize: 'min-max-wsol' | 'min-max';
  /** Spacing of the CAM-threshold grid t = 0, i, 2i, ... < 1. */
  readonly thresholdInterval: number;
  /** IoU levels (percent) for MaxBoxAcc; MaxBoxAccV2 is their mean. */
  readonly iouThresholds: readonly number[];
  /** Boxes from every contour (MaxBoxAccV2) or only the largest (V1). */
  readonly multiContour: boolean;
  /** IoU pixel convention. */
  readonly iou: IouConvention;
  /** Single CAM threshold used when one box per image is wanted (tool mode), as a fraction of the max. */
  readonly boxThreshold?: number;
}

/**
 * wsolevaluation, as its code does it (evaluation.py / inference.py):
 * - images resized to 224x224 without crop; GT boxes resized with `int(x * 224 / W)`;
 * - CAM of the ground-truth class, no ReLU, `cv2.resize(..., INTER_CUBIC)` to 224x224;
 * - `normalize_scoremap`: NaN anywhere or min == max -> all zeros, else (cam - min) / max';
 * - boxes per threshold from OpenCV contours of `uint8(map * 255) > int(t * max)`;
 * - thresholds `np.arange(0, 1, 0.001)`, IoU levels 30/50/70, multi-contour (MaxBoxAccV2);
 * - inclusive IoU (area = (x1 - x0 + 1) * (y1 - y0 + 1)).
 */
export const WSOL_PROTOCOL: EvaluationProtocol = Object.freeze({
  name: 'wsolevaluation',
  reference: 'Choe et al., "Evaluating Weakly Supervised Object Localization Methods Right", CVPR 2020',
  resize: Object.freeze({ width: 224, height: 224, crop: false as const }),
  gtBoxes: 'resize-truncate',
  camClass: 'ground-truth',
  relu: false,
  upsample: 'bicubic',
  normalize: 'min-max-wsol',
  thresholdInterval: 0.001,
  iouThresholds: Object.freeze([30, 50, 70]),
  multiContour: true,
  iou: 'inclusive',
});

/**
 * cam-localize's own defaults: the model preset's preprocessing (which may crop), ReLU on the CAM
 * (as the original CAM code and torch-cam do), bilinear upsampling, plain min-max normalisation,
 * pixel-edge (continuous) IoU, and one box per image at 20% of the maximum (Zhou et al., 2016).
 * Metrics over the threshold grid still use the same grid and IoU levels as wsolevaluation.
 */
export const TOOL_DEFAULTS: EvaluationProtocol = Object.freeze({
  name: 'cam-localize',
  reference: 'cam-localize defaults',
  resize: 'preset' as const,
  gtBoxes: 'exact',
  camClass: 'ground-truth',
  relu: true,
  upsample: 'bilinear',
  normalize: 'min-max',
  thresholdInterval: 0.001,
  iouThresholds: Object.freeze([30, 50, 70]),
  multiContour: true,
  iou: 'continuous',
  boxThreshold: DEFAULT_THRESHOLD.value,
});

/** The protocols by name. */
export const PROTOCOLS: Readonly<Record<string, EvaluationProtocol>> = Object.freeze({
  wsolevaluation: WSOL_PROTOCOL,
  'cam-localize': TOOL_DEFAULTS,
});

/**
 * wsolevaluation's `normalize_scoremap` on raw values, computed in float64 like numpy does on
 * the float64 arrays wsolevaluation passes around (`t2n` casts to `np.float`):
 * a NaN anywhere, or min == max, gives all zeros; otherwise `cam -= cam.min(); cam /= cam.max()`.
 * One deliberate difference: where wsolevaluation would let +-Infinity through (and then fail
 * its own validity check on the NaNs that follow), any non-finite value here gives all zeros.
 */
export function normalizeMinMaxWsol64(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return out;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0 || min === max) return out;
  // cam -= min (each value rounded to float64), then cam /= (new max), exactly like numpy.
  let shiftedMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i]! - min;
    out[i] = v;
    if (v > shiftedMax) shiftedMax = v;
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! / shiftedMax;
  return out;
}

/**
 * `normalizeMinMaxWsol64` returning a float32 score map. The float64 result is rounded once to
 * float32; values are in [0, 1] with min exactly 0 and max exactly 1 (or all zeros).
 * Note: for bit-exact box sweeps on float64 input use the evaluator's `accumulateValues`, which
 * quantises from float64 as wsolevaluation does.
 */
export function normalizeMinMaxWsol(map: ScoreMap): ScoreMap {
  return { width: map.width, height: map.height, data: Float32Array.from(normalizeMinMaxWsol64(map.data)) };
}
