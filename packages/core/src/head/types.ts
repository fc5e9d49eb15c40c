/**
 * The shapes head detection produces and takes: the CAM head, the caller's overrides and a
 * transformer's token layout. Their own module, so that the detectors (detect.ts, tokens.ts) and
 * their users import them without importing each other.
 */

export interface CamHead {
  /**
   * 'tokens': a transformer's [N,T,C] token tensor read as a [C,h,w] grid (see tokens.ts). 'layer':
   * any layer without a linear head over its global average (an inner layer, a two-layer head, a
   * norm after the pooling): only real gradients (grad/) and forward passes explain it.
   */
  readonly kind: 'gap-linear' | 'class-map' | 'tokens' | 'layer';
  /** The [N,K,h,w] feature tensor (class-map heads: the [N,C,h,w] class maps; tokens: [N,T,C]). */
  readonly featureTensor: string;
  /** [N,K,h,w] (tokens: the grid they make); null = dynamic (batch) or unknown. */
  readonly featureShape: readonly (number | null)[];
  /** K: feature channels (C for class-map heads). */
  readonly channels: number;
  /** C: number of classes. */
  readonly numClasses: number;
  /** [C*K] row-major, alpha/transB folded in: score_c = sum_k W[c,k]*GAP(F)_k + bias[c]. null for class maps. */
  readonly weights: Float32Array | null;
  /** [C], beta folded in; null when the layer has no bias (or for class maps). */
  readonly bias: Float32Array | null;
  /** The graph output holding the class scores. */
  readonly scoreTensor: string;
  /** Op types from the feature tensor to the scores, for messages. */
  readonly path: readonly string[];
  /** True when the scores pass through a final Softmax (they are probabilities, not logits). */
  readonly softmax: boolean;
  /** How the tokens of a 'tokens' head make the grid; absent for the other kinds. */
  readonly tokens?: TokenLayout;
  /** 'nhwc': a 'layer' head's tensor is channels-last (Swin); absent: channels first. */
  readonly layout?: 'nhwc';
}

export interface HeadOverrides {
  /** Use this tensor as the [N,K,h,w] feature map. */
  featureTensor?: string;
  /** An initializer [C,K] holding the classifier weights. */
  classifierWeights?: string;
  /** An initializer [C] holding the classifier bias. */
  classifierBias?: string;
  /** Ask onnxruntime for shapes that static inference cannot work out (default true). */
  probeShapes?: boolean;
  /** Token features: the grid [height, width] the patch tokens make (default: from the patch embedding). */
  tokenGrid?: readonly [number, number];
  /** Token features: leading tokens to drop (class/distillation tokens; default: T - h*w). */
  skipTokens?: number;
}

export interface TokenLayout {
  /** T: tokens per image in the token tensor. */
  readonly count: number;
  /** K: leading tokens dropped (class / distillation tokens). */
  readonly skip: number;
  readonly gridHeight: number;
  readonly gridWidth: number;
  /** Where the grid came from: the patch-embedding Conv, the caller, or the square guess. */
  readonly source: 'patch-embedding' | 'given' | 'square';
}
