import { CamMethod, classWeightRow, pixelwiseSum } from '../base.js';
import type { CamGraphBuilder, GradientGraphBuilder } from '../graph-form.js';
import type { CamContext } from '../types.js';

/**
 * Layer-CAM: Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for
 * Localization", IEEE TIP 2021.
 *
 * M_c(i,j) = sum_k relu(dY_c/dF_k(i,j)) F_k(i,j). The gradient is W[c,k]/(h w) at every
 * position on a GAP-linear head, so the pixel-wise weights reduce to channel weights
 * relu(W[c,k])/(h w): channels that argue against the class are dropped rather than subtracted.
 *
 * @example
 * const map = await new LayerCam().compute(context, target);
 */
export class LayerCam extends CamMethod {
  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    const row = classWeightRow(context, classIndex);
    const scale = 1 / (context.width * context.height);
    return row.map((w) => (w > 0 ? w * scale : 0));
  }

  protected override gradientMap(context: CamContext, gradients: Float32Array): Float32Array {
    return pixelwiseSum(context, gradients, (g, f) => (g > 0 ? g * f : 0));
  }

  override graphWeights(g: CamGraphBuilder): string {
    return g.classRows((w) => (w > 0 ? w / g.gridSize : 0));
  }

  override graphGradientMap(g: GradientGraphBuilder): string {
    return g.sum(g.op('Mul', [g.op('Relu', [g.gradient]), g.activation]), [1]);
  }
}
