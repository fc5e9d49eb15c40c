/**
 * The one-stop API: an ONNX classifier made ready for CAMs. It reads the model, finds its CAM
 * head, adds the feature map to the graph outputs, opens a session on the chosen device and
 * resolves the preprocessing; then images go in and score maps come out.
 *
 * @example
 * const model = await CamModel.load('resnet18.onnx', { preprocess: { preset: 'imagenet' } });
 * const [result] = await model.explain(['cat.jpg']);
 * const map = await model.cam(result, result.ranked[0]); // [h,w] map of the top class
 * await model.release();
 */
import { type CamMethod, createCamMethod } from './cam/index.js';
import { rankClasses } from './cam/targets.js';
import type { CamContext, Normalization } from './cam/types.js';
import { CamError, UsageError } from './errors.js';
import type { ImageGeometry } from './geometry.js';
import { type CamHead, detectCamHead, type HeadOverrides } from './head/detect.js';
import { type PreprocessOverrides, readSidecarPreprocess, resolvePreprocess } from './image/config.js';
import { preprocess } from './image/preprocess.js';
import type { PreprocessConfig } from './image/presets.js';
import { loadImage } from './image/sharp-codec.js';
import type { RgbImage } from './image/types.js';
import { addGraphOutputs } from './onnx/add-outputs.js';
import { type OnnxModel, readOnnxModel } from './onnx/model.js';
import { createSession, type Device, type ModelSession, type Provider } from './runtime/session.js';
import type { ScoreMap } from './scoremap.js';

export interface CamModelOptions {
  readonly device?: Device;
  readonly threads?: number;
  /** Preprocessing overrides (a `preset` among them); the model's sidecar and metadata fill the rest. */
  readonly preprocess?: PreprocessOverrides;
  /** Point the tool at a feature tensor / classifier by name when detection cannot. */
  readonly head?: HeadOverrides;
  /** Largest accepted image, in pixels. */
  readonly maxPixels?: number;
}

/** An image loaded and preprocessed for the model. */
export interface PreparedImage {
  readonly file: string;
  readonly image: RgbImage;
  readonly tensor: Float32Array;
  readonly geometry: ImageGeometry;
}

/** The model's answer for one image: class scores and the feature map CAMs are made from. */
export interface Inference {
  readonly prepared: PreparedImage;
  readonly scores: Float32Array;
  /** [K, h, w] of this image (a view into the batch output). */
  readonly features: Float32Array;
  /** Class indices, best first (the top `rankedCount`, 5 by default). */
  readonly ranked: Int32Array;
}

export interface CamRequest {
  readonly method?: string | CamMethod;
  readonly normalization?: Normalization;
  /** Score-CAM: most channels with a masked forward pass. */
  readonly maxChannels?: number;
}

export class CamModel {
  private readonly methods = new Map<string, CamMethod>();

  private constructor(
    readonly onnx: OnnxModel,
    readonly head: CamHead,
    readonly session: ModelSession,
    readonly preprocessConfig: PreprocessConfig,
    readonly inputWidth: number,
    readonly inputHeight: number,
    private readonly maxPixels: number | undefined,
  ) {}

  static async load(path: string, options: CamModelOptions = {}): Promise<CamModel> {
    const onnx = await readOnnxModel(path);
    const head = await detectCamHead(onnx, options.head);
    const sidecar = await readSidecarPreprocess(onnx.path);
    const config = resolvePreprocess({
      metadata: onnx.metadata,
      sidecar,
      overrides: options.preprocess ?? null,
      modelFile: onnx.path,
    });
    const [inputWidth, inputHeight] = modelInputSize(onnx, config);
    const bytes = addGraphOutputs(onnx, [head.featureTensor]);
    const session = await createSession(bytes, {
      device: options.device ?? 'auto',
      ...(options.threads === undefined ? {} : { intraOpThreads: options.threads }),
      outputs: [head.scoreTensor, head.featureTensor],
      file: onnx.path,
    });
    return new CamModel(onnx, head, session, config, inputWidth, inputHeight, options.maxPixels);
  }

  get provider(): Provider {
    return this.session.provider;
  }

  /** The batch the model is fixed to, or null for a dynamic batch. */
  get fixedBatch(): number | null {
    return this.session.fixedBatch;
  }

  /** Loads and preprocesses one image file (or encoded bytes). */
  async prepare(source: string | Uint8Array, file?: string): Promise<PreparedImage> {
    const name = file ?? (typeof source === 'string' ? source : '<buffer>');
    const image = await loadImage(source, {
      file: name,
      ...(this.maxPixels === undefined ? {} : { maxPixels: this.maxPixels }),
    });
    const { tensor, geometry } = preprocess(image, this.preprocessConfig, {
      inputWidth: this.inputWidth,
      inputHeight: this.inputHeight,
    });
    return { file: name, image, tensor, geometry };
  }

  /** Runs a batch of prepared images through the model in one call (split for fixed-batch models). */
  async infer(batch: readonly PreparedImage[], rankedCount = 5): Promise<Inference[]> {
    if (batch.length === 0) return [];
    const plane = 3 * this.inputWidth * this.inputHeight;
    const input = new Float32Array(batch.length * plane);
    for (const [i, p] of batch.entries()) input.set(p.tensor, i * plane);
    const outputs = await this.session.run(input, batch.length);
    const scores = outputs[this.head.scoreTensor];
    const features = outputs[this.head.featureTensor];
    if (scores === undefined || features === undefined) {
      throw new CamError(
        'E_CAM',
        `the session did not return ${this.head.scoreTensor} and ${this.head.featureTensor}`,
      );
    }
    const classes = scores.data.length / batch.length;
    const perImage = features.data.length / batch.length;
    return batch.map((prepared, i) => {
      const imageScores = scores.data.subarray(i * classes, (i + 1) * classes);
      return {
        prepared,
        scores: imageScores,
        features: features.data.subarray(i * perImage, (i + 1) * perImage),
        ranked: rankClasses(imageScores, rankedCount),
      };
    });
  }

  /** Loads, preprocesses and runs images (a convenience over prepare + infer). */
  async explain(sources: readonly string[]): Promise<Inference[]> {
    return this.infer(await Promise.all(sources.map((s) => this.prepare(s))));
  }

  /** The feature-grid shape [K, h, w] of the CAM layer. */
  get featureShape(): readonly [number, number, number] {
    const [, k, h, w] = this.head.featureShape;
    return [Number(k), Number(h), Number(w)];
  }

  /** The score map of `classIndex` for one inference, on the feature grid (h x w). */
  async cam(inference: Inference, classIndex: number, request: CamRequest = {}): Promise<ScoreMap> {
    const method = this.method(request);
    const [channels, height, width] = this.gridOf(inference);
    const context: CamContext = {
      features: inference.features,
      channels,
      height,
      width,
      head: this.head,
      scores: inference.scores,
      probabilities: this.head.softmax,
      input: inference.prepared.tensor,
      inputWidth: this.inputWidth,
      inputHeight: this.inputHeight,
      forward: async (inputs, count) => {
        const out = await this.session.run(inputs, count);
        return out[this.head.scoreTensor]!.data;
      },
    };
    return method.compute(context, classIndex, request.normalization ?? 'relu-minmax');
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  private method(request: CamRequest): CamMethod {
    if (typeof request.method === 'object') return request.method;
    const name = request.method ?? 'cam';
    const key = `${name}:${request.maxChannels ?? ''}`;
    let method = this.methods.get(key);
    if (method === undefined) {
      method = createCamMethod(
        name,
        request.maxChannels === undefined ? {} : { scoreCam: { maxChannels: request.maxChannels } },
      );
      this.methods.set(key, method);
    }
    return method;
  }

  private gridOf(inference: Inference): [number, number, number] {
    const [k, h, w] = this.featureShape;
    if (
      Number.isFinite(k) &&
      Number.isFinite(h) &&
      Number.isFinite(w) &&
      k * h * w === inference.features.length
    ) {
      return [k, h, w];
    }
    // Dynamic spatial dims: square grid is the only safe guess when the shape is unknown.
    const channels = this.head.kind === 'class-map' ? this.head.numClasses : this.head.channels;
    const side = Math.round(Math.sqrt(inference.features.length / channels));
    if (side * side * channels !== inference.features.length) {
      throw new CamError('E_CAM', `cannot infer the feature grid from ${inference.features.length} values`);
    }
    return [channels, side, side];
  }
}

/** The model's input size: its declared H and W, or the preprocessing's crop/resize size. */
export function modelInputSize(onnx: OnnxModel, config: PreprocessConfig): [number, number] {
  const input = onnx.realInputs()[0];
  if (input === undefined) throw new UsageError('E_MODEL_FORMAT', `${onnx.path} has no input`);
  const dims = input.shape ?? [];
  const h = dims[2];
  const w = dims[3];
  if (typeof w === 'number' && typeof h === 'number' && w > 0 && h > 0) return [w, h];
  if (config.crop) return [config.crop[0], config.crop[1]];
  const size = config.resize.size;
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}
