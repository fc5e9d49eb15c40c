import { CamMethod, classWeightRow, meanGradients, weightedSum } from '../base.js';
import type { CamGraphBuilder, GradientGraphBuilder } from '../graph-form.js';
import type { CamContext } from '../types.js';

/**
 * Grad-CAM: Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
 * Gradient-based Localization", ICCV 2017.
 *
 * alpha_k = (1/Z) sum_ij dY_c/dF_k(i,j);  M_c = sum_k alpha_k F_k.
 * On a GAP-linear head dY_c/dF_k(i,j) = W[c,k]/(h w) everywhere, so alpha_k = W[c,k]/(h w):
 * Grad-CAM is CAM scaled by 1/(h w), computed here in closed form without a backward pass.
 * Anywhere else (an inner layer, a transformer, a two-layer head) the mean of the real gradients.
 *
 * @example
 * const map = await new GradCam().compute(context, target, 'relu-minmax');
 */
export class GradCam extends CamMethod {
  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    const row = classWeightRow(context, classIndex);
    const scale = 1 / (context.width * context.height);
    return row.map((w) => w * scale);
  }

  protected override gradientMap(context: CamContext, gradients: Float32Array): Float32Array {
    return weightedSum(context, meanGradients(context, gradients));
  }

  override graphWeights(g: CamGraphBuilder): string {
    return g.classRows((w) => w / g.gridSize);
  }

  override graphGradientMap(g: GradientGraphBuilder): string {
    return g.sum(g.op('Mul', [g.mean(g.gradient, [2, 3]), g.activation]), [1]);
  }
}
