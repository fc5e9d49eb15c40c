import { CamMethod } from '../base.js';
import type { CamGraphBuilder } from '../graph-form.js';
import type { CamContext } from '../types.js';
import { plusPlusGraphWeights, plusPlusWeights } from './grad-cam-pp.js';

/**
 * SmoothGrad-CAM++: Omeiza et al., "Smooth Grad-CAM++: An Enhanced Inference Level
 * Visualization Technique for Deep Convolutional Neural Network Models", arXiv:1908.01224, 2019.
 *
 * Grad-CAM++ with each derivative averaged over N noisy copies x + delta_t of the input:
 * D^n_k = (1/N) sum_t d^n S_c/dF_k^n at x + delta_t, alpha_k = D^2_k / (2 D^2_k + sum_ab F_k(a,b) D^3_k),
 * w_k = sum_ij alpha_k relu(D^1_k), F the clean input's features (as the paper and torch-cam).
 * Closed form: on a GAP-linear or class-map head dY_c/dF_k = W[c,k]/(h w) whatever the input, so
 * with S_c = exp(Y_c) each D^n_k = m g_k^n with m = mean_t exp(Y_c(x + delta_t)) > 0. m cancels in
 * alpha and only scales w: SmoothGrad-CAM++ is Grad-CAM++ times m, the same map once normalised,
 * and the noisy forward passes (which would only compute m) are not run: m is left out, as
 * exp(Y_c) is in Grad-CAM++. Off such heads the noisy passes would be needed: no backprop form.
 *
 * @example
 * const map = await new SmoothGradCamPlusPlus().compute(context, target); // = Grad-CAM++'s map
 */
export class SmoothGradCamPlusPlus extends CamMethod {
  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    return plusPlusWeights(context, classIndex, 0);
  }

  override graphWeights(g: CamGraphBuilder): string {
    return plusPlusGraphWeights(g);
  }
}
