/**
 * What a CAM method sees of one image: the feature map, the linear head that turns its spatial
 * average into class scores, the scores themselves and, for methods that need more forward
 * passes (Score-CAM), a way to run the model.
 */

/** The part of a detected CAM head the methods need (structurally a `CamHead`). */
export interface CamHeadWeights {
  /** 'gap-linear': scores = W · GAP(F) + b. 'class-map': channel c of F is the map of class c. 'tokens': a transformer's patch tokens as a grid (weights null). */
  readonly kind: 'gap-linear' | 'class-map' | 'tokens' | 'layer';
  readonly channels: number;
  readonly numClasses: number;
  /** [C*K] row-major, or null for class-map heads. */
  readonly weights: Float32Array | null;
  /** [C] of a GAP-linear head, null without one; unset when the caller does not know it. */
  readonly bias?: Float32Array | null;
}

/**
 * Whose numbers a method reproduces: `paper` (the default) follows each paper's definition;
 * `pytorch-grad-cam` and `torch-cam` reproduce those libraries where they depart from it (each
 * method's doc comment says how; `CAM_METHODS[name].libraries` which methods have which).
 */
export type CamCompat = 'paper' | 'pytorch-grad-cam' | 'torch-cam';

export const CAM_COMPATS: readonly CamCompat[] = ['paper', 'pytorch-grad-cam', 'torch-cam'];

/** Runs the model on a batch of preprocessed inputs and returns the class scores [n*C]. */
export type ForwardScores = (inputs: Float32Array, count: number) => Promise<Float32Array>;

/**
 * Runs the model on a batch of preprocessed inputs and returns the CAM layer's features
 * [n*K*h*w] (the [K,h,w] grid of each, as `CamContext.features`).
 */
export type ForwardFeatures = (inputs: Float32Array, count: number) => Promise<Float32Array>;

/**
 * Runs one preprocessed input [3,H,W] `count` times with the feature channels masked: copy i
 * multiplies channel k of the feature tensor by masks[i*K + k] (1 keeps it, 0 zeroes it, in every
 * position or token). Returns the class logits [count*C] (the input of a final Softmax, if any).
 */
export type AblatedScores = (
  input: Float32Array,
  masks: Float32Array,
  count: number,
) => Promise<Float32Array>;

export interface CamContext {
  /** Feature map of one image, [K, height, width] row-major. */
  readonly features: Float32Array;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly head: CamHeadWeights;
  /** The image's class scores [C] (logits or probabilities, as the model gives them). */
  readonly scores: Float32Array;
  /** True when the model's scores are already probabilities (a Softmax ends the graph). */
  readonly probabilities?: boolean;
  /** The preprocessed input tensor [3, inputHeight, inputWidth] (the forward-pass methods only). */
  readonly input?: Float32Array;
  readonly inputWidth?: number;
  readonly inputHeight?: number;
  /** A forward pass of the model (the forward-pass methods only). */
  readonly forward?: ForwardScores;
  /** The features of other inputs (SmoothGrad-CAM++ under `compat: 'torch-cam'`: a noisy pass's). */
  readonly forwardFeatures?: ForwardFeatures;
  /** Forward passes with feature channels zeroed (Ablation-CAM on heads without its closed form). */
  readonly ablate?: AblatedScores;
  /**
   * dY_c/dF [K, height, width] for the target class, from the backward graph: the gradient
   * methods then use their backprop form (`CamMethod.gradientMap`) instead of the closed form.
   */
  readonly gradients?: Float32Array;
}

/**
 * `relu-minmax`: ReLU then min-max to [0,1] (the seed's recipe, the default).
 * `minmax`: min-max without ReLU (wsolevaluation). `none`: raw weighted sum.
 * A constant or non-finite map normalises to all zeros.
 */
export type Normalization = 'relu-minmax' | 'minmax' | 'none';

export const NORMALIZATIONS: readonly Normalization[] = ['relu-minmax', 'minmax', 'none'];
