import { CamError, SeededRandom } from '@cam-localize/core';
import { noisyLinearImpute } from './noisy-linear-imputation.js';
import { mapAtInputSize, relevanceOrder } from './pixels.js';
import type { FaithfulnessImage, FaithfulnessMetric, PerturbationPlan } from './types.js';

/** The usual removal percentages of ROAD. */
export const ROAD_PERCENTAGES: readonly number[] = [10, 20, 30, 40, 50, 60, 70, 80, 90];

/** One image's ROAD curves. */
export interface RoadResult {
  readonly percentages: number[];
  /** Class probability with the most relevant p% removed (MoRF; lower is better). */
  readonly morf: number[];
  /** Class probability with the least relevant p% removed (LeRF; higher is better). */
  readonly lerf: number[];
  /** Mean of `morf` over the percentages. */
  readonly morfMean: number;
  /** Mean of `lerf` over the percentages. */
  readonly lerfMean: number;
  /** (lerfMean - morfMean) / 2, pytorch-grad-cam's `ROADCombined` (higher is better). */
  readonly combined: number;
}

export interface RoadOptions {
  readonly percentages?: readonly number[];
  /** Standard deviation of the imputation noise, in the model's input space (default 0.01). */
  readonly noise?: number;
  /** Seed of the noise (default 0): the same seed gives the same perturbed images. */
  readonly seed?: number;
}

/**
 * ROAD, RemOve And Debias: Rong et al., "A Consistent and Efficient Evaluation Strategy for
 * Attribution Methods", ICML 2022.
 *
 * For each percentage p (10, 20, ..., 90), the p% of pixels the map (upsampled bilinearly to the
 * input size) ranks most relevant (MoRF) or least relevant (LeRF) are removed, exactly by rank
 * (ties by index), and filled by noisy linear imputation (`noisyLinearImpute`), which leaks no
 * shape of the removed region to the model. The paper reports accuracy; per image this reports
 * the softmax probability of the explained class after each removal, and their means over the
 * percentages (MoRF lower, LeRF higher is better).
 *
 * 2 x 9 forward passes per image, each after a sparse solve over the removed pixels: the most
 * expensive metric here on the CPU.
 */
export class Road implements FaithfulnessMetric<RoadResult> {
  readonly name = 'road';
  readonly percentages: readonly number[];
  readonly noise: number;
  readonly seed: number;

  constructor(options: RoadOptions = {}) {
    this.percentages = options.percentages ?? ROAD_PERCENTAGES;
    this.noise = options.noise ?? 0.01;
    this.seed = options.seed ?? 0;
    for (const p of this.percentages) {
      if (!(p > 0 && p < 100)) throw new CamError(`ROAD percentages lie in (0, 100), got ${p}`);
    }
    if (!(this.noise >= 0)) throw new CamError(`ROAD noise must be >= 0, got ${this.noise}`);
  }

  plan(image: FaithfulnessImage): PerturbationPlan<RoadResult> {
    const order = relevanceOrder(mapAtInputSize(image.map, image.width, image.height));
    const plane = order.length;
    const percentages = this.percentages;
    const random = new SeededRandom(this.seed);
    return {
      count: 2 * percentages.length,
      fill: (index, into) => {
        const mostRelevant = index < percentages.length;
        const p = percentages[index % percentages.length]!;
        // At least one pixel stays: imputation needs a known value (tiny inputs only).
        const count = Math.min(Math.round((p / 100) * plane), plane - 1);
        const removed = new Uint8Array(plane);
        for (let i = 0; i < count; i++) removed[order[mostRelevant ? i : plane - 1 - i]!] = 1;
        into.set(noisyLinearImpute(image.input, image.width, image.height, removed, this.noise, random));
      },
      finish: (probabilities) => {
        const k = percentages.length;
        const morf = Array.from(probabilities.subarray(0, k));
        const lerf = Array.from(probabilities.subarray(k, 2 * k));
        const morfMean = mean(morf);
        const lerfMean = mean(lerf);
        return {
          percentages: [...percentages],
          morf,
          lerf,
          morfMean,
          lerfMean,
          combined: (lerfMean - morfMean) / 2,
        };
      },
    };
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
