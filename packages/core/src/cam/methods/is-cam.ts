import { CamError } from '../../errors.js';
import { ScoreCam, type ScoreCamOptions } from './score-cam.js';

export interface IsCamOptions extends ScoreCamOptions {
  /** Integration steps per channel, N (default 10, as torch-cam). */
  readonly samples?: number;
}

/**
 * IS-CAM: Naidu et al., "IS-CAM: Integrated Score-CAM for axiomatic-based explanations",
 * arXiv:2010.03023, 2020.
 *
 * w_k = (1/N) sum_{i=1..N} softmax(f(X * (i/N) H_k))_c, the Score-CAM weight integrated along the
 * path from a black input to the full mask H_k (a Riemann sum); M_c = relu(sum_k w_k F_k).
 * N forward passes per channel.
 * `compat: 'torch-cam'` (activation.py, ISCAM): the scale grows cumulatively,
 * `coeff += (sidx + 1) / self.num_samples`, so pass i scales the masked input by
 * sum_{j=1..i} j/N = i(i+1)/(2N) (up to (N+1)/2 at the last pass) instead of i/N; the rest is
 * torch-cam's Score-CAM (see ScoreCam).
 *
 * @example
 * const map = await new IsCam({ samples: 10 }).compute(contextWithForward, target);
 */
export class IsCam extends ScoreCam {
  protected override readonly samples: number;

  constructor(options: IsCamOptions = {}) {
    super(options);
    this.samples = options.samples ?? 10;
    if (!Number.isInteger(this.samples) || this.samples < 1)
      throw new CamError(`IS-CAM needs samples >= 1, got ${this.samples}`);
  }

  protected override sampler(): (mask: Float32Array, sample: number) => Float32Array {
    if (this.compat === 'torch-cam') {
      // torch-cam: `coeff += (sidx + 1) / self.num_samples`, accumulated over the passes.
      const coefficients = new Float64Array(this.samples);
      let coeff = 0;
      for (let i = 0; i < this.samples; i++) coefficients[i] = coeff += (i + 1) / this.samples;
      return (mask, sample) => mask.map((m) => m * coefficients[sample]!);
    }
    return (mask, sample) => mask.map((m) => (m * (sample + 1)) / this.samples);
  }
}
