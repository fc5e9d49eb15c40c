import type { ScoreMap } from '../../scoremap.js';
import { CamMethod, classWeightRow } from '../base.js';
import type { CamGraphBuilder } from '../graph-form.js';
import type { CamCompat, CamContext, Normalization } from '../types.js';

/**
 * CAM: Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016.
 *
 * M_c(x,y) = sum_k W[c,k] F_k(x,y), with W the weights of the linear layer after global average
 * pooling. On a class-map head (SqueezeNet) M_c is simply channel c. The seed's recipe.
 * `compat: 'torch-cam'`: torch-cam's CAM applies no ReLU before its min-max, so `relu-minmax`
 * becomes `minmax` (negative evidence is kept, ranked below zero).
 *
 * @example
 * const map = await new Cam().compute(context, 281); // tabby cat, ReLU + min-max
 */
export class Cam extends CamMethod {
  readonly compat: CamCompat;

  constructor(options: { compat?: CamCompat } = {}) {
    super();
    this.compat = options.compat ?? 'paper';
  }

  override compute(
    context: CamContext,
    classIndex: number,
    normalization?: Normalization,
  ): Promise<ScoreMap> {
    const torchCam = this.compat === 'torch-cam' && (normalization ?? 'relu-minmax') === 'relu-minmax';
    return super.compute(context, classIndex, torchCam ? 'minmax' : normalization);
  }

  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    return classWeightRow(context, classIndex);
  }

  override graphWeights(g: CamGraphBuilder): string {
    return g.classRows((w) => w);
  }
}
