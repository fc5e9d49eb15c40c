import { CamError } from '../../errors.js';
import { SeededRandom } from '../../random.js';
import { ScoreCam, type ScoreCamOptions } from './score-cam.js';

export interface SsCamOptions extends ScoreCamOptions {
  /** Noisy masks per channel, N (default 35, as torch-cam). */
  readonly samples?: number;
  /** Standard deviation of the noise added to the [0,1] masks (default 2, as torch-cam). */
  readonly sigma?: number;
  /** Seed of the noise; each image restarts it, so a map is reproducible (default 0). */
  readonly seed?: number;
}

/**
 * SS-CAM: Wang et al., "SS-CAM: Smoothed Score-CAM for Sharper Visual Feature Localization",
 * arXiv:2006.14255, 2020 (the variant with noise on the masks).
 *
 * w_k = (1/N) sum_i softmax(f(X * (H_k + delta_i)))_c with delta_i ~ N(0, sigma^2) per pixel and
 * H_k Score-CAM's mask; M_c = relu(sum_k w_k F_k). N forward passes per channel. The noise:
 * `SeededRandom(seed).normal()` times sigma, channel after channel (strongest first), sample
 * after sample, each mask [H,W] row-major, restarted for each image.
 * `compat: 'torch-cam'` (activation.py, SSCAM): torch-cam's Score-CAM (see ScoreCam) with
 * w = softmax over channels of (1/N) sum_i (f(X * (H_k + delta_i))_c - f(X)_c); torch's own noise
 * stream is not replayed (the same noise gives the library's numbers).
 *
 * @example
 * const map = await new SsCam({ samples: 10, sigma: 0.5, seed: 7 }).compute(contextWithForward, target);
 */
export class SsCam extends ScoreCam {
  protected override readonly samples: number;
  readonly sigma: number;
  readonly seed: number;

  constructor(options: SsCamOptions = {}) {
    super(options);
    this.samples = options.samples ?? 35;
    this.sigma = options.sigma ?? 2;
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.samples) || this.samples < 1 || !(this.sigma >= 0))
      throw new CamError(`SS-CAM needs samples >= 1 and sigma >= 0, got ${this.samples}, ${this.sigma}`);
  }

  protected override sampler(): (mask: Float32Array, sample: number) => Float32Array {
    const noise = new SeededRandom(this.seed);
    return (mask) => mask.map((m) => m + this.sigma * noise.normal());
  }
}
