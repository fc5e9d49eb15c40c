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
 * and no forward pass is needed. y_c, the logit, is sum_k W[c,k] mean(F_k) + b_c (the scores
 * themselves when the bias is not known, which a model ending in Softmax hides). On a class-map
 * head y_c - y_c^c = y_c: w is one-hot and the map is CAM's. Heads that are not linear over the pooled features would need a forward from
 * the features, which the session does not offer: the registry refuses them ('gap-linear-head').
 *
 * @example
 * const map = await new AblationCam().compute(context, target);
 */
export class AblationCam extends CamMethod {
  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    const row = classWeightRow(context, classIndex);
    if (context.head.kind === 'class-map') return Float32Array.from(row);
    const size = context.width * context.height;
    const sums = channelSums(context);
    const drops = Float64Array.from(row, (w, k) => (w * sums[k]!) / size); // y_c - y_c^k
    const score = logit(context, classIndex, drops);
    return Float32Array.from(drops, (drop) => (score === 0 ? 0 : drop / score));
  }
}

/** y_c: the head applied to the features when its bias is known, else the model's score. */
function logit(context: CamContext, classIndex: number, drops: Float64Array): number {
  const { bias } = context.head;
  if (bias !== undefined) return drops.reduce((sum, drop) => sum + drop, bias?.[classIndex] ?? 0);
  if (context.probabilities === true) {
    throw new CamError('E_CAM', 'Ablation-CAM needs the class logit: the model ends in a Softmax', {
      hint: 'give the head with its bias (CamHead from detectCamHead), or use another method',
    });
  }
  return context.scores[classIndex]!;
}
