import { CamMethod, classWeightRow } from '../base.js';
import type { CamContext } from '../types.js';

/**
 * CAM: Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016.
 *
 * M_c(x,y) = sum_k W[c,k] F_k(x,y), with W the weights of the linear layer after global average
 * pooling. On a class-map head (SqueezeNet) M_c is simply channel c. The seed's recipe.
 *
 * @example
 * const map = await new Cam().compute(context, 281); // tabby cat, ReLU + min-max
 */
export class Cam extends CamMethod {
  readonly name = 'cam';
  protected channelWeights(context: CamContext, classIndex: number): Float32Array {
    return classWeightRow(context, classIndex);
  }
}
