import { CamError } from '../../errors.js';
import { CamMethod, channelSums, classWeightRow } from '../base.js';
import type { CamContext } from '../types.js';

/**
 * Ablation-CAM: Desai & Ramaswamy, "Ablation-CAM: Visual Explanations for Deep Convolutional
 * Network via Gradient-free Localization", WACV 2020.
 *
 * w_k = (y_c - y_c^k) / y_c, with y_c^k the class score when channel k of the feature map is
 * zeroed; M_c = sum_k w_k F_k. The head after the features is linear over their average, so
 * ablating channel k removes exactly its term: y_c - y_c^k = W[c,k] mean(F_k) (the bias cancels),
 * and no forward pass is needed. y_c is the image's logit (`scores`); a model whose graph ends in
 * a Softmax hides it, and only a class-map head (where y_c - y_c^c = y_c: w is one-hot, the CAM)
 * does without it. Heads that are not linear over the pooled features would need a forward from
 * the features, which the session does not offer: the registry refuses them ('gap-linear-head').
 *
 * @example
 * const map = await new AblationCam().compute(context, target);
 */
export class AblationCam extends CamMethod {
  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    const row = classWeightRow(context, classIndex);
    if (context.head.kind === 'class-map') return Float32Array.from(row);
    if (context.probabilities === true) {
      throw new CamError('E_CAM', 'Ablation-CAM needs the class logit, and this model ends in a Softmax', {
        hint: 'use another method (--method cam or gradcam need no logit)',
      });
    }
    const score = context.scores[classIndex]!;
    const size = context.width * context.height;
    const sums = channelSums(context);
    return Float32Array.from(row, (w, k) => (score === 0 ? 0 : (w * sums[k]!) / size / score));
  }
}
