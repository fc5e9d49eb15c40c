import { CamMethod, channelSums, classWeightRow, weightedSum } from '../base.js';
import type { CamGraphBuilder, GradientGraphBuilder } from '../graph-form.js';
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

  override graphWeights(g: CamGraphBuilder): string {
    return g.op('Mul', [g.classRows((w) => w / g.gridSize), g.nonZero(g.channelSums())]);
  }

  /** w_k = sum(A G) / sum(A), 0 where sum(A) = 0. */
  override graphGradientMap(g: GradientGraphBuilder): string {
    const sums = g.sum(g.activation, [2, 3]);
    const usable = g.nonZero(sums);
    const safe = g.op('Add', [sums, g.op('Sub', [g.scalar(1), usable])]);
    const weights = g.op('Mul', [
      g.op('Div', [g.sum(g.op('Mul', [g.activation, g.gradient]), [2, 3]), safe]),
      usable,
    ]);
    return g.sum(g.op('Mul', [weights, g.activation]), [1]);
  }
}
