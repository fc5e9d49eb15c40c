import { CamMethod, classWeightRow, pixelwiseSum } from '../base.js';
import type { GradientGraphBuilder } from '../graph-form.js';
import type { CamContext } from '../types.js';

/**
 * Grad-CAM element-wise: pytorch-grad-cam's GradCAMElementWise, Grad-CAM with the ReLU moved
 * inside the channel sum (after Draelos & Carin's HiResCAM).
 *
 * M_c(i,j) = sum_k relu(dY_c/dF_k(i,j) F_k(i,j)). On a GAP-linear head the gradient is W[c,k]/(h w)
 * everywhere: the closed form sums relu(W[c,k] F_k(i,j)/(h w)); elsewhere the real gradients.
 *
 * @example
 * const map = await new GradCamElementWise().compute(context, target);
 */
export class GradCamElementWise extends CamMethod {
  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    const scale = 1 / (context.width * context.height);
    return classWeightRow(context, classIndex).map((w) => w * scale);
  }

  protected override combine(context: CamContext, weights: Float32Array): Float32Array {
    const size = context.width * context.height;
    const constant = new Float32Array(context.features.length);
    for (let k = 0; k < context.channels; k++) constant.fill(weights[k]!, k * size, (k + 1) * size);
    return this.gradientMap(context, constant);
  }

  protected override gradientMap(context: CamContext, gradients: Float32Array): Float32Array {
    return pixelwiseSum(context, gradients, (g, f) => Math.max(0, g * f));
  }

  override graphGradientMap(g: GradientGraphBuilder): string {
    return g.sum(g.op('Relu', [g.op('Mul', [g.gradient, g.activation])]), [1]);
  }
}
