/**
 * CAMs from a model's head alone: the classifier weights and the feature grid, without the
 * session. `CamModel.cam` uses it (adding a forward pass for the methods that need one), and so
 * do the post-processing workers of the pipeline, which get the head once (a plain object with
 * typed arrays: it crosses threads by structured clone) and the batch outputs per batch.
 */
import { CamError, UsageError } from '../errors.js';
import type { CamHead } from '../head/detect.js';
import type { ScoreMap } from '../scoremap.js';
import type { CamMethod } from './base.js';
import {
  type CamMethodName,
  type CamMethodOptions,
  camMethodNeeds,
  createCamMethod,
  parseCamMethodName,
} from './registry.js';
import type { AblatedScores, CamContext, ForwardFeatures, ForwardScores, Normalization } from './types.js';

/** Which map: the method (by name, with its options, or an instance) and the normalisation. */
export interface CamRequest extends CamMethodOptions {
  readonly method?: CamMethodName | CamMethod;
  readonly normalization?: Normalization;
}

/** One image's model outputs, as a CAM needs them. */
export interface CamInputs {
  /** [K, h, w] of this image. */
  readonly features: Float32Array;
  readonly scores: Float32Array;
  /** The preprocessed input [3, H, W] (methods with forward passes only). */
  readonly input?: Float32Array;
  /** dY_c/dF [K, h, w] of the target class, from the backward graph (gradient methods' backprop form). */
  readonly gradients?: Float32Array;
}

export class HeadCam {
  private readonly methods = new Map<string, CamMethod>();

  constructor(
    readonly head: CamHead,
    readonly inputWidth: number,
    readonly inputHeight: number,
    private readonly forward?: ForwardScores,
    private readonly ablate?: AblatedScores,
    private readonly forwardFeatures?: ForwardFeatures,
  ) {}

  /** The feature-grid shape [K, h, w] of the CAM layer (NaN where the model leaves it dynamic). */
  get featureShape(): readonly [number, number, number] {
    const [, k, h, w] = this.head.featureShape;
    return [Number(k), Number(h), Number(w)];
  }

  /** The score map of `classIndex` on the feature grid (h x w). */
  async cam(inputs: CamInputs, classIndex: number, request: CamRequest = {}): Promise<ScoreMap> {
    const method = this.method(request);
    const [channels, height, width] = this.gridOf(inputs.features.length);
    const context: CamContext = {
      features: inputs.features,
      channels,
      height,
      width,
      head: this.head,
      scores: inputs.scores,
      probabilities: this.head.softmax,
      inputWidth: this.inputWidth,
      inputHeight: this.inputHeight,
      ...(inputs.input === undefined ? {} : { input: inputs.input }),
      ...(inputs.gradients === undefined ? {} : { gradients: inputs.gradients }),
      ...(this.forward === undefined ? {} : { forward: this.forward }),
      ...(this.ablate === undefined ? {} : { ablate: this.ablate }),
      ...(this.forwardFeatures === undefined ? {} : { forwardFeatures: this.forwardFeatures }),
    };
    return method.compute(context, classIndex, request.normalization ?? 'relu-minmax');
  }

  /** The method of a request: made and checked once per name and options, then looked up (per image). */
  private method(request: CamRequest): CamMethod {
    if (typeof request.method === 'object') return request.method;
    const { method: requested, normalization: _, ...options } = request;
    const key = `${requested ?? 'cam'}:${JSON.stringify(options)}`;
    let method = this.methods.get(key);
    if (method === undefined) {
      const name = parseCamMethodName(requested ?? 'cam');
      method = createCamMethod(name, options);
      if (
        this.forward === undefined &&
        camMethodNeeds(name, 'forward-passes', this.head.kind, options.compat)
      ) {
        throw new UsageError(`the CAM method '${name}' needs forward passes of the model`, {
          hint: 'compute it through CamModel.cam, which holds the session',
        });
      }
      this.methods.set(key, method);
    }
    return method;
  }

  private gridOf(length: number): [number, number, number] {
    const [k, h, w] = this.featureShape;
    if (Number.isFinite(k) && Number.isFinite(h) && Number.isFinite(w) && k * h * w === length) {
      return [k, h, w];
    }
    // Dynamic spatial dims: square grid is the only safe guess when the shape is unknown.
    const channels = this.head.kind === 'class-map' ? this.head.numClasses : this.head.channels;
    const side = Math.round(Math.sqrt(length / channels));
    if (side * side * channels !== length) {
      throw new CamError(`cannot infer the feature grid from ${length} values`);
    }
    return [channels, side, side];
  }
}
