import type { CamCompat } from '@cam-localize/core';
import { mapAtInputSize } from './pixels.js';
import type { FaithfulnessImage, FaithfulnessMetric, PerturbationPlan } from './types.js';

/** One image's Average Drop and Increase in Confidence terms. */
export interface AverageDropResult {
  /** Y: the class probability on the image. */
  readonly original: number;
  /** O: the class probability on the explanation map E = image x map. */
  readonly explanation: number;
  /**
   * max(0, Y - O) / Y, in [0, 1]: the image's term of Average Drop; max(0, Y - O) under
   * `compat: 'pytorch-grad-cam'` (its DropInConfidence).
   */
  readonly drop: number;
  /** O > Y: the image's term of Increase in Confidence. */
  readonly increase: boolean;
}

/**
 * Average Drop and Increase in Confidence: Chattopadhay et al., "Grad-CAM++: Generalized
 * Gradient-based Visual Explanations for Deep Convolutional Networks", WACV 2018, section 5.1.
 *
 * The explanation map E = I * M multiplies the preprocessed input I by the map M, upsampled
 * bilinearly to the input size and min-max normalised to [0, 1] (as pytorch-grad-cam does: the
 * product is taken in the model's input space, so a masked pixel becomes 0 there, the dataset
 * mean under mean/std normalisation). Y and O are the softmax probabilities of the explained
 * class c on I and on E. Over N images:
 *
 *   Average Drop = 100/N * sum max(0, Y - O) / Y  (lower is better)
 *   Increase in Confidence = 100/N * sum [O > Y]  (higher is better)
 *
 * One forward pass per image.
 *
 * `compat: 'pytorch-grad-cam'` takes its `DropInConfidence` (metrics/cam_mult_image.py) instead:
 * `scores = -scores; return np.maximum(scores, 0)` with scores = O - Y, i.e. max(0, Y - O) NOT
 * divided by Y, an absolute drop of probability (Y and O stay softmax probabilities, as the
 * library gives them with `ClassifierOutputSoftmaxTarget`; with `ClassifierOutputTarget` it takes
 * logits). Increase in Confidence is the same in both (`np.float32(scores > 0)`).
 *
 * @example
 * const plan = new AverageDrop().plan(image); // plan.count === 1
 */
export class AverageDrop implements FaithfulnessMetric<AverageDropResult> {
  readonly name = 'avgdrop';
  readonly compat: CamCompat;

  constructor(options: { compat?: CamCompat } = {}) {
    this.compat = options.compat ?? 'paper';
  }

  plan(image: FaithfulnessImage): PerturbationPlan<AverageDropResult> {
    const mask = mapAtInputSize(image.map, image.width, image.height);
    const plane = image.width * image.height;
    return {
      count: 1,
      fill: (_index, into) => {
        for (let c = 0; c < 3; c++) {
          const offset = c * plane;
          for (let p = 0; p < plane; p++) into[offset + p] = image.input[offset + p]! * mask[p]!;
        }
      },
      finish: (probabilities) => averageDropTerms(image.probability, probabilities[0]!, this.compat),
    };
  }
}

/** The two terms of one image from Y (image) and O (explanation map), in `compat`'s form. */
export function averageDropTerms(
  original: number,
  explanation: number,
  compat: CamCompat = 'paper',
): AverageDropResult {
  const drop = Math.max(0, original - explanation);
  return {
    original,
    explanation,
    // pytorch-grad-cam's DropInConfidence: `np.maximum(-(O - Y), 0)`, not divided by Y.
    drop: compat === 'pytorch-grad-cam' ? drop : original > 0 ? drop / original : 0,
    increase: explanation > original,
  };
}
