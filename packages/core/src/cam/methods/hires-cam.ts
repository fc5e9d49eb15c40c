import { pixelwiseSum } from '../base.js';
import type { GradientGraphBuilder } from '../graph-form.js';
import type { CamContext } from '../types.js';
import { GradCam } from './grad-cam.js';

/**
 * HiResCAM: Draelos & Carin, "Use HiResCAM instead of Grad-CAM for faithful explanations of
 * convolutional neural networks", arXiv:2011.08891, 2020.
 *
 * M_c(i,j) = sum_k dY_c/dF_k(i,j) F_k(i,j): the element-wise product of gradient and activation,
 * summed over channels (Grad-CAM averages the gradient first). On a GAP-linear or class-map head
 * the gradient is W[c,k]/(h w) at every position, so HiResCAM = CAM / (h w) = Grad-CAM: the very
 * same channel weights, and a map identical to CAM's once min-max normalised. It departs from
 * Grad-CAM only where gradients vary over the grid, which these heads never do: any other layer,
 * where the backprop form sums gradient times activation.
 *
 * @example
 * const map = await new HiResCam().compute(context, target); // equals new Cam()'s after min-max
 */
export class HiResCam extends GradCam {
  protected override gradientMap(context: CamContext, gradients: Float32Array): Float32Array {
    return pixelwiseSum(context, gradients, (g, f) => g * f);
  }

  override graphGradientMap(g: GradientGraphBuilder): string {
    return g.sum(g.op('Mul', [g.gradient, g.activation]), [1]);
  }
}
