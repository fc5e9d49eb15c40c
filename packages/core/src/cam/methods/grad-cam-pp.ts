import { CamMethod, channelSums, classWeightRow, weightedSum } from '../base.js';
import type { CamGraphBuilder, GradientGraphBuilder } from '../graph-form.js';
import { torchCamNormalizeInPlace } from '../normalize.js';
import type { CamCompat, CamContext, Normalization } from '../types.js';

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
 * `compat: 'torch-cam'` reproduces torch-cam's GradCAMpp (gradient.py), whose alpha stays g^2:
 * `alpha[idx][mask].div_(d[mask] + eps)` divides the copy that boolean indexing makes, never
 * `alpha` itself, so w_k = sum_ij g^2 relu(g) (on a GAP-linear head hw g^2 relu(g), i.e. ~ W^3);
 * and its `_normalize` divides by max + 1e-8 after the min is subtracted (`torchCamNormalizeInPlace`).
 *
 * @example
 * const map = await new GradCamPlusPlus().compute(context, target);
 */
export class GradCamPlusPlus extends CamMethod {
  readonly eps: number;
  readonly compat: CamCompat;

  constructor(options: { compat?: CamCompat } = {}) {
    super();
    this.compat = options.compat ?? 'paper';
    this.eps = this.compat === 'pytorch-grad-cam' ? 1e-6 : 0;
  }

  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    if (this.compat === 'torch-cam') {
      // torch-cam: `alpha[idx][mask].div_(d[mask] + eps)` leaves alpha = g^2 (see the class comment).
      const row = classWeightRow(context, classIndex);
      const size = context.width * context.height;
      return Float32Array.from(row, (w) => {
        const g = w / size;
        return g > 0 ? size * g * g * g : 0;
      });
    }
    return plusPlusWeights(context, classIndex, this.eps);
  }

  protected override normalize(map: Float32Array, normalization: Normalization): Float32Array {
    if (this.compat === 'torch-cam') return torchCamNormalizeInPlace(map, normalization);
    return super.normalize(map, normalization);
  }

  /** The same alphas with the gradient at each position (where it is 0, alpha is 0). */
  protected override gradientMap(context: CamContext, gradients: Float32Array): Float32Array {
    if (this.compat === 'torch-cam') return torchCamGradientMap(context, gradients);
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

  override graphWeights(g: CamGraphBuilder): string {
    return plusPlusGraphWeights(g);
  }

  /** alpha = g^2 / (2 g^2 + S g^3) where g > 0 and the denominator is not 0; w = sum alpha g. */
  override graphGradientMap(g: GradientGraphBuilder): string {
    const grad = g.gradient;
    const g2 = g.op('Mul', [grad, grad]);
    const g3 = g.op('Mul', [g2, grad]);
    const sums = g.sum(g.activation, [2, 3]);
    let denominator = g.op('Add', [g.op('Mul', [g2, g.scalar(2)]), g.op('Mul', [sums, g3])]);
    if (this.eps !== 0) denominator = g.op('Add', [denominator, g.scalar(this.eps)]);
    const usable = g.op('Mul', [g.nonZero(denominator), g.positive(grad)]);
    const safe = g.op('Add', [denominator, g.op('Sub', [g.scalar(1), g.nonZero(denominator)])]);
    const alpha = g.op('Mul', [g.op('Div', [g2, safe]), usable]);
    const weights = g.sum(g.op('Mul', [alpha, grad]), [2, 3]);
    return g.sum(g.op('Mul', [weights, g.activation]), [1]);
  }
}

/** torch-cam's GradCAMpp from real gradients: w_k = sum_ij G^2 relu(G) (alpha never divided). */
function torchCamGradientMap(context: CamContext, gradients: Float32Array): Float32Array {
  const size = context.width * context.height;
  const weights = new Float32Array(context.channels);
  for (let k = 0; k < context.channels; k++) {
    let w = 0;
    for (let p = k * size; p < (k + 1) * size; p++) {
      const g = gradients[p]!;
      if (g > 0) w += g * g * g;
    }
    weights[k] = w;
  }
  return weightedSum(context, weights);
}

/** The closed form's channel weights (shared with SmoothGrad-CAM++, whose closed form this is). */
export function plusPlusWeights(context: CamContext, classIndex: number, eps: number): Float32Array {
  const row = classWeightRow(context, classIndex);
  const size = context.width * context.height;
  const weights = new Float32Array(context.channels);
  const sums = channelSums(context);
  for (let k = 0; k < context.channels; k++) {
    const g = row[k]! / size;
    if (!(g > 0)) continue; // relu(g) = 0
    const sum = sums[k]!;
    const g2 = g * g;
    const denominator = 2 * g2 + sum * g2 * g + eps;
    if (denominator === 0) continue;
    weights[k] = size * (g2 / denominator) * g;
  }
  return weights;
}

/**
 * The closed form in the graph: size*(g^2/(2g^2 + S g^3))*g with g = row/size is
 * row/(2 + S row/size), where row > 0 and the denominator is not 0 (else 0).
 */
export function plusPlusGraphWeights(g: CamGraphBuilder): string {
  const rows = g.classRows((w) => w);
  const scaled = g.op('Div', [g.op('Mul', [g.channelSums(), rows]), g.scalar(g.gridSize)]);
  const denominator = g.op('Add', [scaled, g.scalar(2)]);
  const usable = g.nonZero(denominator);
  const safe = g.op('Add', [denominator, g.op('Sub', [g.scalar(1), usable])]);
  return g.op('Mul', [g.op('Div', [rows, safe]), g.op('Mul', [usable, g.positive(rows)])]);
}
