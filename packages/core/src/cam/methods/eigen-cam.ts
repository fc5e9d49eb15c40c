import { CamMethod, channelSums, weightedSum } from '../base.js';
import type { CamContext } from '../types.js';

/**
 * Eigen-CAM: Muhammad & Yeasin, "Eigen-CAM: Class Activation Map using Principal Components",
 * IJCNN 2020.
 *
 * The projection of the feature map on its first principal component: with A the (h w) x K
 * matrix of features (centred per channel), M = A v1 where v1 is A's first right singular
 * vector. Class-agnostic. v1 comes from power iteration on A^T A (never formed); its sign is
 * chosen so that M correlates positively with the channel sum, since SVD leaves it arbitrary.
 * That correlation is <A v1, A 1> = s1^2 (v1 . 1), so the power iteration from the all-ones
 * direction already lands on that sign. pytorch-grad-cam makes no correction and keeps the sign
 * torch.linalg.svd returns: its maps equal these or, where LAPACK picked the other sign, come
 * from -M (no variant can reproduce LAPACK's choice; `libraries` says "same up to the sign").
 *
 * @example
 * const map = await new EigenCam().compute(context, 0); // the class index is ignored
 */
export class EigenCam extends CamMethod {
  readonly iterations: number;
  protected override readonly ignoresGradients = true;

  constructor(options: { iterations?: number } = {}) {
    super();
    this.iterations = options.iterations ?? 200;
  }

  /** The projection of the centred features: sum_k v_k (F_k - mean F_k). */
  protected override combine(context: CamContext, weights: Float32Array): Float32Array {
    const map = weightedSum(context, weights);
    const size = context.width * context.height;
    const sums = channelSums(context);
    let shift = 0;
    for (let k = 0; k < context.channels; k++) shift += (weights[k]! * sums[k]!) / size;
    for (let p = 0; p < size; p++) map[p] = map[p]! - shift;
    return map;
  }

  protected channelWeights(context: CamContext): Float32Array {
    const { features, channels } = context;
    const size = context.width * context.height;
    const centred = new Float64Array(features.length);
    const sums = channelSums(context);
    for (let k = 0; k < channels; k++) {
      const mean = sums[k]! / size;
      for (let p = 0; p < size; p++) centred[k * size + p] = features[k * size + p]! - mean;
    }
    const v = new Float64Array(channels).fill(1 / Math.sqrt(channels));
    const projection = new Float64Array(size);
    for (let iteration = 0; iteration < this.iterations; iteration++) {
      project(centred, v, projection, channels, size);
      let norm = 0;
      for (let k = 0; k < channels; k++) {
        let dot = 0;
        for (let p = 0; p < size; p++) dot += centred[k * size + p]! * projection[p]!;
        v[k] = dot;
        norm += dot * dot;
      }
      norm = Math.sqrt(norm);
      if (norm === 0) return new Float32Array(channels);
      for (let k = 0; k < channels; k++) v[k] = v[k]! / norm;
    }
    project(centred, v, projection, channels, size);
    let agreement = 0;
    for (let p = 0; p < size; p++) {
      let total = 0;
      for (let k = 0; k < channels; k++) total += features[k * size + p]!;
      agreement += total * projection[p]!;
    }
    const sign = agreement < 0 ? -1 : 1;
    return Float32Array.from(v, (x) => sign * x);
  }
}

function project(
  matrix: Float64Array,
  v: Float64Array,
  out: Float64Array,
  channels: number,
  size: number,
): void {
  out.fill(0);
  for (let k = 0; k < channels; k++) {
    const w = v[k]!;
    for (let p = 0; p < size; p++) out[p] = out[p]! + matrix[k * size + p]! * w;
  }
}
