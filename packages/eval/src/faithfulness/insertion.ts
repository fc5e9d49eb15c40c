import { type CurveResult, checkSteps } from './deletion.js';
import { mapAtInputSize, mixByOrder, pixelsAtStep, relevanceOrder, trapezoidAuc } from './pixels.js';
import { riseBlur } from './rise-blur.js';
import type { FaithfulnessImage, FaithfulnessMetric, PerturbationPlan } from './types.js';

export interface InsertionOptions {
  /** Even steps from no pixel to all pixels (default 20). */
  readonly steps?: number;
}

/**
 * Insertion AUC: Petsiuk et al., "RISE: Randomized Input Sampling for Explanation of Black-box
 * Models", BMVC 2018, section 4.1.
 *
 * The start is the blurred image (RISE's substrate: a Gaussian of size 11, sigma 5, see
 * `riseBlur`); pixels of the real image are inserted in order of the map (upsampled bilinearly
 * to the input size; most relevant first, ties by index) in S even steps: at step k the first
 * round(k * HW / S) pixels show the image. The curve is the softmax probability of the explained
 * class at k = 0..S; the score is its area by the trapezoidal rule over the fraction k/S in
 * [0, 1] (higher is better: a faithful map makes the probability rise fast).
 *
 * S forward passes per image: the curve's last point is the unperturbed image's probability.
 */
export class Insertion implements FaithfulnessMetric<CurveResult> {
  readonly name = 'insertion';
  readonly steps: number;

  constructor(options: InsertionOptions = {}) {
    this.steps = checkSteps(options.steps ?? 20);
  }

  plan(image: FaithfulnessImage): PerturbationPlan<CurveResult> {
    const order = relevanceOrder(mapAtInputSize(image.map, image.width, image.height));
    const blurred = riseBlur(image.input, image.width, image.height);
    const steps = this.steps;
    return {
      count: steps,
      fill: (index, into) =>
        mixByOrder(blurred, image.input, order, pixelsAtStep(index, steps, order.length), into),
      finish: (probabilities) => {
        const curve = [...probabilities, image.probability];
        return { auc: trapezoidAuc(curve), curve };
      },
    };
  }
}
