import { CamMethod, channelSums, classWeightRow, weightedSum } from '../base.js';
import type { CamContext } from '../types.js';

/**
 * XGrad-CAM: Fu et al., "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation
 * of CNNs", BMVC 2020.
 *
 * w_k = sum_ij (F_k(i,j) / sum_ab F_k(a,b)) dY_c/dF_k(i,j). With the constant gradient
 * W[c,k]/(h w) of a GAP-linear head this is W[c,k]/(h w) wherever sum_ab F_k != 0 and 0 where a
 * channel is all zero (whose term vanishes anyway).
 *
 * @example
 * const map = await new XGradCam().compute(context, target);
 */
export class XGradCam extends CamMethod {
  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    const row = classWeightRow(context, classIndex);
    const size = context.width * context.height;
    const weights = new Float32Array(context.channels);
    const sums = channelSums(context);
    for (let k = 0; k < context.channels; k++) if (sums[k] !== 0) weights[k] = row[k]! / size;
    return weights;
  }

  protected override gradientMap(context: CamContext, gradients: Float32Array): Float32Array {
    const size = context.width * context.height;
    const sums = channelSums(context);
    const weights = new Float32Array(context.channels);
    for (let k = 0; k < context.channels; k++) {
      if (sums[k] === 0) continue;
      let dot = 0;
      for (let p = k * size; p < (k + 1) * size; p++) dot += context.features[p]! * gradients[p]!;
      weights[k] = dot / sums[k]!;
    }
    return weightedSum(context, weights);
  }
}
