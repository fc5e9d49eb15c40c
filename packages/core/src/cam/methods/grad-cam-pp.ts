import { CamMethod, channelSums, classWeightRow, weightedSum } from '../base.js';
import type { CamCompat, CamContext } from '../types.js';

/**
 * Grad-CAM++: Chattopadhyay et al., "Grad-CAM++: Improved Visual Explanations for Deep
 * Convolutional Networks", WACV 2018, with the exponential score S_c = exp(Y_c).
 *
 * alpha_k(i,j) = g_k^2 / (2 g_k^2 + sum_ab F_k(a,b) g_k^3),  w_k = sum_ij alpha_k(i,j) relu(g_k),
 * where g_k = dY_c/dF_k(i,j) = W[c,k]/(h w) is constant over (i,j) on a GAP-linear head (the
 * positive factor exp(Y_c) is dropped: it does not change the normalised map). A zero
 * denominator gives alpha 0, as in torch-cam.
 * `compat: 'pytorch-grad-cam'` adds its eps = 1e-6 to the denominator: with tiny gradients (small
 * classifier weights, large grids) alpha then tends to g^2/1e-6 instead of 1/(2 + sum F g).
 *
 * @example
 * const map = await new GradCamPlusPlus().compute(context, target);
 */
export class GradCamPlusPlus extends CamMethod {
  readonly eps: number;

  constructor(options: { compat?: CamCompat } = {}) {
    super();
    this.eps = options.compat === 'pytorch-grad-cam' ? 1e-6 : 0;
  }

  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    const row = classWeightRow(context, classIndex);
    const size = context.width * context.height;
    const weights = new Float32Array(context.channels);
    const sums = channelSums(context);
    for (let k = 0; k < context.channels; k++) {
      const g = row[k]! / size;
      if (!(g > 0)) continue; // relu(g) = 0
      const sum = sums[k]!;
      const g2 = g * g;
      const denominator = 2 * g2 + sum * g2 * g + this.eps;
      if (denominator === 0) continue;
      weights[k] = size * (g2 / denominator) * g;
    }
    return weights;
  }

  /** The same alphas with the gradient at each position (where it is 0, alpha is 0). */
  protected override gradientMap(context: CamContext, gradients: Float32Array): Float32Array {
    const size = context.width * context.height;
    const sums = channelSums(context);
    const weights = new Float32Array(context.channels);
    for (let k = 0; k < context.channels; k++) {
      let w = 0;
      for (let p = k * size; p < (k + 1) * size; p++) {
        const g = gradients[p]!;
        if (!(g > 0)) continue;
        const g2 = g * g;
        const denominator = 2 * g2 + sums[k]! * g2 * g + this.eps;
        if (denominator !== 0) w += (g2 / denominator) * g;
      }
      weights[k] = w;
    }
    return weightedSum(context, weights);
  }
}
