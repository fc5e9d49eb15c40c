import { CamError } from '../../errors.js';
import { SeededRandom } from '../../random.js';
import { CamMethod, weightedSum } from '../base.js';
import type { CamGraphBuilder } from '../graph-form.js';
import { torchCamNormalizeInPlace } from '../normalize.js';
import type { CamCompat, CamContext, Normalization } from '../types.js';
import { plusPlusGraphWeights, plusPlusWeights } from './grad-cam-pp.js';

export interface SmoothGradCamPlusPlusOptions {
  readonly compat?: CamCompat;
  /** `compat: 'torch-cam'`: noisy passes, n (default 4, torch-cam's `num_samples`). */
  readonly samples?: number;
  /** `compat: 'torch-cam'`: standard deviation of the input noise (default 0.3, torch-cam's `std`). */
  readonly sigma?: number;
  /** `compat: 'torch-cam'`: seed of the noise; each image restarts it (default 0). */
  readonly seed?: number;
}

/**
 * SmoothGrad-CAM++: Omeiza et al., "Smooth Grad-CAM++: An Enhanced Inference Level
 * Visualization Technique for Deep Convolutional Neural Network Models", arXiv:1908.01224, 2019.
 *
 * Grad-CAM++ with each derivative averaged over n noisy copies x + delta_t of the input:
 * D^p_k = (1/n) sum_t d^p S_c/dF_k^p at x + delta_t, alpha_k = D^2_k / (2 D^2_k + sum_ab F_k(a,b) D^3_k),
 * w_k = sum_ij alpha_k relu(D^1_k), M_c = relu(sum_k w_k F_k) with F the clean input's features.
 * Closed form: on a GAP-linear or class-map head dY_c/dF_k = W[c,k]/(h w) whatever the input, so
 * with S_c = exp(Y_c) each D^p_k = m g_k^p with m = mean_t exp(Y_c(x + delta_t)) > 0. m cancels in
 * alpha and only scales w: SmoothGrad-CAM++ is Grad-CAM++ times m, the same map once normalised,
 * and the noisy forward passes (which would only compute m) are not run. Off such heads the noisy
 * passes would be needed: no backprop form.
 *
 * `compat: 'torch-cam'` reproduces torch-cam's SmoothGradCAMpp (gradient.py), which departs from
 * this in two ways. Its alphas take the clean features (`init_fmap`) and eps = 1e-8 in the
 * denominator, but the map is made by `_CAM.compute_cams` from `self.hook_a`, which every noisy
 * pass's forward hook overwrote: the features of the LAST noisy input, x + delta_n. Its weights,
 * with the GAP-linear gradient g = W[c,k]/(hw), are hw g^2/(2 g^2 + S_k g^3 + 1e-8) relu(g) (S_k
 * the clean channel sum), and `_normalize` divides by max + 1e-8. One forward pass per image gives
 * those features (`context.forwardFeatures`): the passes before the last only change the averaged
 * gradients, which a GAP-linear head makes constant. The noise: delta_t ~ N(0, sigma^2) per input
 * value, drawn from `SeededRandom(seed).normal()` times sigma, pass after pass (t = 1..n), each pass
 * [3,H,W] in row-major order, restarted for each image; the map takes pass n's. torch's own
 * generator is not replayed, so a map equals the library's for the same noise, not for its seed.
 *
 * @example
 * const map = await new SmoothGradCamPlusPlus().compute(context, target); // = Grad-CAM++'s map
 */
export class SmoothGradCamPlusPlus extends CamMethod {
  readonly compat: CamCompat;
  readonly samples: number;
  readonly sigma: number;
  readonly seed: number;

  constructor(options: SmoothGradCamPlusPlusOptions = {}) {
    super();
    this.compat = options.compat ?? 'paper';
    this.samples = options.samples ?? 4;
    this.sigma = options.sigma ?? 0.3;
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.samples) || this.samples < 1 || !(this.sigma >= 0))
      throw new CamError(
        `SmoothGrad-CAM++ needs samples >= 1 and sigma >= 0, got ${this.samples}, ${this.sigma}`,
      );
  }

  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    return plusPlusWeights(context, classIndex, this.compat === 'torch-cam' ? 1e-8 : 0);
  }

  protected override async combine(context: CamContext, weights: Float32Array): Promise<Float32Array> {
    if (this.compat !== 'torch-cam') return weightedSum(context, weights);
    // torch-cam: `cam = torch.nansum(weight * activation, dim=1)` with activation = self.hook_a,
    // overwritten by the forward hook of every noisy pass: the last noisy input's features.
    return weightedSum({ ...context, features: await this.lastNoisyFeatures(context) }, weights);
  }

  protected override normalize(map: Float32Array, normalization: Normalization): Float32Array {
    if (this.compat === 'torch-cam') return torchCamNormalizeInPlace(map, normalization);
    return super.normalize(map, normalization);
  }

  override graphWeights(g: CamGraphBuilder): string {
    return plusPlusGraphWeights(g);
  }

  /** The features of x + delta_n, the noise of pass n of the seeded stream (see the class comment). */
  private async lastNoisyFeatures(context: CamContext): Promise<Float32Array> {
    const { input, forwardFeatures, features } = context;
    if (input === undefined || forwardFeatures === undefined) {
      throw new CamError(
        "SmoothGrad-CAM++ under `compat: torch-cam` needs the input tensor and the model's features of a noisy pass",
        { hint: 'compute it through CamModel.cam, which holds the session' },
      );
    }
    const noise = new SeededRandom(this.seed);
    const noisy = new Float32Array(input.length);
    for (let t = 0; t < this.samples; t++) {
      for (let i = 0; i < input.length; i++) noisy[i] = input[i]! + this.sigma * noise.normal();
    }
    const out = await forwardFeatures(noisy, 1);
    if (out.length !== features.length) {
      throw new CamError(`the noisy pass gave ${out.length} feature values, the image ${features.length}`);
    }
    return out;
  }
}
