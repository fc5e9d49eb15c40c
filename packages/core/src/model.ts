/**
 * The one-stop API: an ONNX classifier made ready for CAMs. It reads the model, finds its CAM
 * head, adds the feature map to the graph outputs, opens a session on the chosen device and
 * resolves the preprocessing; then images go in and score maps come out.
 *
 * At about 550 lines it stays one file: the one-stop API reads best whole, and its members are thin
 * calls into the modules that do the work (head/, image/, runtime/, cam/, grad/, pipeline/; the choice
 * of the session's graph and of the preprocessing is session-graph.ts).
 *
 * @example
 * const model = await CamModel.load('resnet18.onnx', { preprocess: { preset: 'imagenet' } });
 * const [result] = await model.explain(['cat.jpg']);
 * const map = await model.cam(result, result.ranked[0]); // [h,w] map of the top class
 * await model.release();
 */
import { AblationSession } from './ablation-session.js';
import {
  type DeviceCamRequest,
  type DeviceMaps,
  deviceMapOf,
  splitDeviceMaps,
  useDeviceCam,
} from './cam/device-cam-plan.js';
import { type CamRequest, HeadCam } from './cam/head-cam.js';
import { type CamMethodName, camMethodNeeds } from './cam/registry.js';
import { rankClasses } from './cam/targets.js';
import type { CamCompat, ForwardFeatures, ForwardScores } from './cam/types.js';
import { CamError, HeadNotFoundError, ModelError, UsageError } from './errors.js';
import { resizeGeometry } from './geometry.js';
import { type BackpropModel, needsBackprop, prepareBackprop } from './grad/backprop-model.js';
import {
  type BackpropImage,
  BackpropRunner,
  type ClassGradient,
  type LayerValues,
} from './grad/backprop-runner.js';
import type { LayerRequest } from './grad/layer.js';
import { fuseLayerCams } from './grad/layer-fusion.js';
import { type CamHead, detectCamHead, type HeadOverrides } from './head/detect.js';
import { assertMethodFitsHead, tokensToGrid } from './head/tokens.js';
import type { PreprocessOverrides } from './image/config.js';
import type { PreprocessConfig } from './image/presets.js';
import type { PreprocessProvenance } from './image/provenance.js';
import type { ResizeEngine } from './image/vips-preprocess.js';
import { type CamGraph, camTargetsTensor } from './onnx/cam-graph.js';
import { readOnnxModel } from './onnx/read-model.js';
import type { OnnxModel } from './onnx/schema.js';
import { ImagePreparer, type PreparedImage } from './pipeline/image-preparer.js';
import { checkInputArea } from './pipeline/memory-budget.js';
import { checkWorkerCount } from './pipeline/task-pool.js';
import { OutputReplay } from './runtime/output-replay.js';
import { availableProviders } from './runtime/providers.js';
import { createSession } from './runtime/session.js';
import type {
  Device,
  DeviceChoice,
  ModelSession,
  OutputTensor,
  Provider,
  RunOptions,
} from './runtime/types.js';
import type { ScoreMap } from './scoremap.js';
import { type ScoreKind, scoreKindOf, toProbabilities } from './scores.js';
import { modelPreprocessing, sessionGraph } from './session-graph.js';

export interface CamModelOptions {
  readonly device?: Device;
  readonly threads?: number;
  /** Preprocessing overrides (a `preset` among them); the model's sidecar and metadata fill the rest. */
  readonly preprocess?: PreprocessOverrides;
  /** Point the tool at a feature tensor / classifier by name when detection cannot. */
  readonly head?: HeadOverrides;
  /** Largest accepted image, in pixels. */
  readonly maxPixels?: number;
  /** Largest model input, in pixels (default DEFAULT_MAX_INPUT_PIXELS): refused at load. */
  readonly maxInputPixels?: number;
  /** Read SVG images, rendered at the size the preprocessing needs (default: refused). */
  readonly allowSvg?: boolean;
  /**
   * Threads that decode and preprocess images (`prepare`): 0 (the default) does it on the calling
   * thread; N >= 1 starts a pool of N decode workers, so that many images are prepared at once.
   */
  readonly workers?: number;
  /** Who resizes images: Pillow-exact in JS ('pil', the default: parity with PyTorch) or libvips. */
  readonly resizeEngine?: ResizeEngine;
  /** Compute the CAMs in the graph (the feature tensor stays on the device); see DeviceCamRequest. */
  readonly deviceCam?: DeviceCamRequest;
  /**
   * Real gradients for the gradient methods, by a backward graph appended to the model (grad/),
   * wherever their closed forms do not apply: a layer other than the head's features
   * (`layers`), token features, or a model without a GAP-linear head. Where the closed form
   * applies (the head's own features), it is kept and no backward graph is built.
   */
  readonly backprop?: LayerRequest;
  /** Keep the decoded image in each PreparedImage (for overlays). Default true. */
  readonly keepImages?: boolean;
  /**
   * For benchmarks: run the model on the first batch only, then replay its outputs (cycled over
   * its images) instead of running it, so the cost of everything around the model can be measured.
   */
  readonly nullForward?: boolean;
}

export type { PreparedImage };

/** The model's answer for one image: class scores and the feature map CAMs are made from. */
export interface Inference {
  readonly prepared: PreparedImage;
  readonly scores: Float32Array;
  /** [K, h, w] of this image (a view into the batch output). */
  readonly features: Float32Array;
  /** Class indices, best first (the top `rankedCount`, 5 by default). */
  readonly ranked: Int32Array;
  /** The maps computed in the graph (`--cam-on-device`); `features` is then empty. */
  readonly maps?: DeviceMaps;
  /** d score / d layer of the targets' classes (a model loaded with its backward graph). */
  readonly classGradients?: readonly ClassGradient[];
  /** The other layers differentiated (Layer-CAM's fusion of several layers). */
  readonly moreLayers?: readonly LayerValues[];
}

const NO_FEATURES = new Float32Array(0);

export type { CamRequest };

export class CamModel {
  /** CAMs from the head, with this model's session for the methods that need forward passes. */
  readonly headCam: HeadCam;
  /**
   * The class scores [n*C] of n preprocessed inputs laid one after another: the extra forward
   * passes of Score-CAM and of the faithfulness metrics. Not for a graph with CAMs appended
   * (--cam-on-device), whose extra input it does not feed.
   */
  readonly forwardScores: ForwardScores;

  private constructor(
    readonly onnx: OnnxModel,
    readonly head: CamHead,
    readonly session: ModelSession,
    readonly preprocessConfig: PreprocessConfig,
    readonly inputWidth: number,
    readonly inputHeight: number,
    private readonly preparer: ImagePreparer,
    private readonly keepImages: boolean,
    /** `nullForward`: the first batch's outputs replayed (runtime/output-replay.ts). */
    private readonly replay: OutputReplay | undefined,
    private readonly deviceCam: { graph: CamGraph; request: DeviceCamRequest } | undefined,
    /** Ablation-CAM's masked forward passes on token features (a session opened on first use). */
    private readonly ablation: AblationSession,
    /** The backward graph's runs, when the model was loaded with one. */
    private readonly backprop: BackpropRunner | undefined,
    /** Where each preprocessing value came from, and what was fitted to the model's input. */
    readonly preprocessProvenance: PreprocessProvenance,
  ) {
    this.forwardScores = async (inputs, count) => {
      const out = await this.session.run(inputs, count);
      return out[this.head.scoreTensor]!.data;
    };
    // The CAM layer's features of other inputs (SmoothGrad-CAM++'s noisy pass under torch-cam).
    const forwardFeatures: ForwardFeatures = async (inputs, count) => {
      const features = (await this.session.run(inputs, count))[this.head.featureTensor];
      if (features === undefined) throw new CamError(`the session did not return ${this.head.featureTensor}`);
      const tokens = this.head.tokens;
      return tokens === undefined || count !== 1
        ? features.data
        : tokensToGrid(features.data, tokens, this.head.channels);
    };
    this.headCam = new HeadCam(
      head,
      inputWidth,
      inputHeight,
      this.forwardScores,
      ablation.scores,
      forwardFeatures,
    );
  }

  static async load(path: string, options: CamModelOptions = {}): Promise<CamModel> {
    const onnx = await readOnnxModel(path);
    let head: CamHead | undefined;
    try {
      head = await detectCamHead(onnx, options.head);
    } catch (error) {
      // Without a head the gradient methods still apply, by backprop from a named layer.
      if (options.backprop === undefined || !(error instanceof HeadNotFoundError)) throw error;
    }
    const { config, provenance } = await modelPreprocessing(onnx, options.preprocess, fixedInputSize(onnx));
    const [inputWidth, inputHeight] = modelInputSize(onnx, config);
    checkInputArea(onnx.path, inputWidth, inputHeight, options.maxInputPixels);
    const device = options.device ?? 'auto';
    const backprop: BackpropModel | undefined =
      options.backprop !== undefined && needsBackprop(onnx, options.backprop, head)
        ? await prepareBackprop(onnx, options.backprop, [2, 3, inputHeight, inputWidth], head)
        : undefined;
    if (backprop !== undefined) head = backprop.head;
    if (head === undefined) throw new CamError('no CAM head', { file: onnx.path });
    const request = options.deviceCam;
    if (request !== undefined && request.mode !== 'off')
      assertMethodFitsHead(head, request.method, onnx.path, backprop !== undefined);
    const cudaInstalled =
      request?.mode === 'auto' && device === 'auto'
        ? (await availableProviders()).some((p) => p.provider === 'cuda' && p.installed)
        : false;
    const onDevice =
      request !== undefined &&
      useDeviceCam(request, head, onnx.opset, device, cudaInstalled, backprop !== undefined);
    const chosen = sessionGraph(onnx, head, backprop, request, onDevice);
    const session = await createSession(chosen.bytes, {
      device,
      ...(options.threads === undefined ? {} : { intraOpThreads: options.threads }),
      outputs: chosen.outputs,
      file: onnx.path,
    });
    const extraInputs = session.extraInputNames.filter((n) => !chosen.addedInputs.includes(n));
    if (extraInputs.length > 0) {
      await session.release();
      const names = [session.inputName, ...extraInputs];
      throw new ModelError(
        'E_MODEL_FORMAT',
        `the model has ${names.length} inputs (${names.join(', ')}); an image classifier with one input is needed`,
        { file: onnx.path },
      );
    }
    let preparer: ImagePreparer;
    try {
      preparer = await ImagePreparer.create({
        config,
        inputWidth,
        inputHeight,
        workers: checkWorkerCount(options.workers ?? 0),
        ...(options.resizeEngine === undefined ? {} : { resizeEngine: options.resizeEngine }),
        ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
        ...(options.allowSvg === undefined ? {} : { allowSvg: options.allowSvg }),
      });
    } catch (error) {
      await session.release();
      throw error;
    }
    return new CamModel(
      onnx,
      head,
      session,
      config,
      inputWidth,
      inputHeight,
      preparer,
      options.keepImages ?? true,
      options.nullForward === true ? new OutputReplay() : undefined,
      chosen.camGraph === undefined ? undefined : { graph: chosen.camGraph, request: request! },
      new AblationSession(onnx, head, [inputWidth, inputHeight], session, options.threads),
      backprop === undefined ? undefined : new BackpropRunner(session, backprop, chosen.gradientMaps),
      provenance,
    );
  }

  get provider(): Provider {
    return this.session.provider;
  }

  /** The device asked for, the provider the session got, and why (e.g. why `auto` chose CPU). */
  get deviceChoice(): DeviceChoice {
    return this.session.deviceChoice;
  }

  /** What the class scores are: logits, or probabilities where a (Log)Softmax ends the graph. */
  get scoreKind(): ScoreKind {
    return scoreKindOf(this.onnx, this.head.scoreTensor);
  }

  /** One image's class scores as probabilities, whatever the graph ends with (softmax of logits). */
  probabilities(scores: ArrayLike<number>): Float64Array {
    return toProbabilities(scores, this.scoreKind);
  }

  /** The batch the model is fixed to, or null for a dynamic batch. */
  get fixedBatch(): number | null {
    return this.session.fixedBatch;
  }

  /** Decode workers in use (0: images are prepared on the calling thread). */
  get workers(): number {
    return this.preparer.workers;
  }

  /**
   * Loads and preprocesses one image file (or encoded bytes), on a decode worker when the model
   * has them. `keepImage` overrides the model's `keepImages` for this call.
   */
  async prepare(source: string | Uint8Array, file?: string, keepImage?: boolean): Promise<PreparedImage> {
    const name = file ?? (typeof source === 'string' ? source : '<buffer>');
    return this.preparer.prepare(source, name, keepImage ?? this.keepImages);
  }

  /** Runs a batch of prepared images through the model in one call (split for fixed-batch models). */
  async infer(
    batch: readonly PreparedImage[],
    rankedCount = 5,
    targets?: readonly (readonly number[])[],
  ): Promise<Inference[]> {
    if (batch.length === 0) return [];
    const plane = 3 * this.inputWidth * this.inputHeight;
    const input = new Float32Array(batch.length * plane);
    for (const [i, p] of batch.entries()) input.set(p.tensor, i * plane);
    return this.inferInput(input, batch, rankedCount, targets);
  }

  /**
   * Like `infer`, over an input the caller assembled: `input` holds the batch's tensors one after
   * another (the pipeline's shared-memory batch slots, which the decode workers fill in place).
   * A plain input is given away to the session (transferred); shared memory is only read.
   */
  async inferInput(
    input: Float32Array,
    batch: readonly PreparedImage[],
    rankedCount = 5,
    targets?: readonly (readonly number[])[],
  ): Promise<Inference[]> {
    const device = this.deviceCam;
    let run: RunOptions = {
      transfer: !(typeof SharedArrayBuffer !== 'undefined' && input.buffer instanceof SharedArrayBuffer),
    };
    if (this.backprop?.onDevice !== undefined) {
      const columns = this.backprop.onDevice.request.targets;
      const rows = targets ?? batch.map(() => Array.from({ length: columns }, (_, t) => -1 - t));
      const { scores, maps } = await this.backprop.maps(input, batch.length, rows, run);
      return batch.map((prepared, i) => ({
        prepared,
        scores: scores[i]!,
        features: NO_FEATURES,
        ranked: rankClasses(scores[i]!, rankedCount),
        maps: maps[i]!,
      }));
    }
    if (this.backprop !== undefined) {
      const rows = targets ?? batch.map(() => [-1]);
      const images = await this.backprop.run(input, batch.length, rows, run);
      return batch.map((prepared, i) => ({
        prepared,
        ...images[i]!,
        ranked: rankClasses(images[i]!.scores, rankedCount),
      }));
    }
    if (device !== undefined) {
      const { request, graph } = device;
      const rows = targets ?? batch.map(() => Array.from({ length: request.targets }, (_, t) => -1 - t));
      const data = camTargetsTensor(rows, this.head.numClasses, graph.maxRank);
      run = { ...run, extra: { [graph.targetsInput]: { data, dims: [batch.length, request.targets] } } };
    }
    const outputs = await this.forward(input, batch.length, run);
    const scores = outputs[this.head.scoreTensor];
    const features = device === undefined ? outputs[this.head.featureTensor] : undefined;
    if (scores === undefined || (device === undefined && features === undefined)) {
      throw new CamError(
        `the session did not return ${this.head.scoreTensor} and ${this.head.featureTensor}`,
      );
    }
    const classes = scores.data.length / batch.length;
    const maps = device === undefined ? undefined : this.deviceMaps(outputs, batch.length);
    const perImage = features === undefined ? 0 : features.data.length / batch.length;
    const tokens = this.head.tokens;
    return batch.map((prepared, i) => {
      const imageScores = scores.data.subarray(i * classes, (i + 1) * classes);
      const imageFeatures =
        features === undefined ? NO_FEATURES : features.data.subarray(i * perImage, (i + 1) * perImage);
      return {
        prepared,
        scores: imageScores,
        // Token features become the [C,h,w] grid of their patch tokens, so every method sees a map.
        features:
          tokens === undefined || features === undefined
            ? imageFeatures
            : tokensToGrid(imageFeatures, tokens, this.head.channels),
        ranked: rankClasses(imageScores, rankedCount),
        ...(maps === undefined ? {} : { maps: maps[i]! }),
      };
    });
  }

  /**
   * One forward pass of `batchSize` blank images, results dropped: a GPU provider picks its kernels
   * (cuDNN's search) on the first run of a shape, a fixed cost of its own. The pipeline runs this
   * while its workers start, so that the first real batch does not pay it with every worker idle.
   * Nothing happens on the CPU, whose first run costs no more than the others.
   */
  async warmUp(batchSize: number): Promise<void> {
    if (this.provider === 'cpu' || this.replay !== undefined || batchSize < 1) return;
    const plane = 3 * this.inputWidth * this.inputHeight;
    const { inputWidth: w, inputHeight: h } = this;
    const blank: PreparedImage = {
      file: '<warm-up>',
      tensor: NO_FEATURES,
      geometry: resizeGeometry(w, h, w, h),
    };
    await this.inferInput(
      new Float32Array(batchSize * plane),
      Array.from({ length: batchSize }, () => blank),
    );
  }

  /** Whether CAMs come from the graph (`--cam-on-device`), and which ones. */
  get deviceCamRequest(): DeviceCamRequest | undefined {
    return this.deviceCam?.request ?? this.backprop?.onDevice?.request;
  }

  private deviceMaps(outputs: Record<string, OutputTensor>, count: number): DeviceMaps[] {
    const { graph, request } = this.deviceCam!;
    const cam = outputs[graph.camOutput];
    const classes = outputs[graph.classesOutput];
    if (cam === undefined || classes === undefined) {
      throw new CamError(`the session did not return ${graph.camOutput} and ${graph.classesOutput}`);
    }
    const batch = {
      method: request.method,
      normalization: request.normalization,
      width: graph.width,
      height: graph.height,
      classes: classes.data,
      data: cam.data,
    };
    return splitDeviceMaps(batch, count);
  }

  /** The session's forward pass, or the replay of its first outputs (`nullForward`). */
  private forward(
    input: Float32Array,
    count: number,
    options: RunOptions,
  ): Promise<Record<string, OutputTensor>> {
    return this.replay === undefined
      ? this.session.run(input, count, options)
      : this.replay.run(this.session, input, count, options);
  }

  /** Loads, preprocesses and runs images (a convenience over prepare + infer). */
  async explain(sources: readonly string[]): Promise<Inference[]> {
    return this.infer(await Promise.all(sources.map((s) => this.prepare(s))));
  }

  /** A usage error naming the model unless `method` applies to its head (e.g. no closed form on a transformer). */
  checkMethod(method: string): void {
    assertMethodFitsHead(this.head, method, this.onnx.path, this.backprop !== undefined);
  }

  /**
   * Whether `method` (in `compat`'s form) needs this model's forward passes (Score-CAM; Ablation-CAM
   * on token features; SmoothGrad-CAM++ under torch-cam).
   */
  needsForwardPasses(method: CamMethodName, compat: CamCompat = 'paper'): boolean {
    // Gradients of classes the batch did not cover need another pass of the session.
    return this.backprop !== undefined || camMethodNeeds(method, 'forward-passes', this.head.kind, compat);
  }

  /** The feature-grid shape [K, h, w] of the CAM layer. */
  get featureShape(): readonly [number, number, number] {
    return this.headCam.featureShape;
  }

  /**
   * The score map of `classIndex` for one inference, on the feature grid (h x w). On token
   * features, a method that needs a global-average head is refused with a UsageError saying why.
   */
  async cam(inference: Inference, classIndex: number, request: CamRequest = {}): Promise<ScoreMap> {
    if (typeof request.method !== 'object')
      assertMethodFitsHead(this.head, request.method ?? 'cam', this.onnx.path, this.backprop !== undefined);
    const fromDevice =
      inference.maps === undefined ? undefined : deviceMapOf(inference.maps, classIndex, request);
    if (fromDevice !== undefined) return fromDevice;
    if (inference.features.length === 0) {
      throw new CamError(`class ${classIndex} was not among the CAMs computed in the graph`, {
        hint: 'ask for it in the targets of infer(), or load the model with `camOnDevice: off`',
      });
    }
    const computed = await this.gradientsOf(inference, classIndex);
    if (
      computed !== undefined &&
      computed.moreLayers.length > 0 &&
      (request.method ?? 'cam') === 'layercam'
    ) {
      const layers = [
        {
          grid: this.featureShape,
          features: computed.features,
          gradients: computed.classGradients[0]!.values,
        },
        ...computed.moreLayers.map((l) => ({ ...l, gradients: l.classGradients[0]!.values })),
      ];
      return fuseLayerCams(layers, classIndex, this.head.numClasses, request.normalization ?? 'relu-minmax');
    }
    const gradients = computed?.classGradients[0]?.values;
    return this.headCam.cam(
      {
        features: inference.features,
        scores: inference.scores,
        input: inference.prepared.tensor,
        ...(gradients === undefined ? {} : { gradients }),
      },
      classIndex,
      request,
    );
  }

  /** Whether the model computes real gradients (it was loaded with its backward graph). */
  get hasBackprop(): boolean {
    return this.backprop !== undefined;
  }

  /**
   * The activation and the gradients of `classIndex` on every layer (one class: `classGradients[0]`):
   * from the inference, else one more pass over its input.
   */
  private async gradientsOf(inference: Inference, classIndex: number): Promise<BackpropImage | undefined> {
    if (this.backprop === undefined || inference.classGradients === undefined) return undefined;
    const pick = (gradients: readonly ClassGradient[]) =>
      gradients.filter((g) => g.classIndex === classIndex);
    const known = pick(inference.classGradients);
    if (known.length > 0) {
      return {
        scores: inference.scores,
        features: inference.features,
        classGradients: known,
        moreLayers: (inference.moreLayers ?? []).map((l) => ({
          ...l,
          classGradients: pick(l.classGradients),
        })),
      };
    }
    if (inference.prepared.tensor.length === 0) {
      throw new CamError(`the gradients of class ${classIndex} were not computed for this image`, {
        hint: 'ask for the class in the targets of infer()',
      });
    }
    const [image] = await this.backprop.run(inference.prepared.tensor, 1, [[classIndex]], {});
    return image;
  }

  async release(): Promise<void> {
    await Promise.all([this.session.release(), this.preparer.close(), this.ablation.release()]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

/** The model's declared input [width, height], or undefined where H or W is not a fixed number. */
export function fixedInputSize(onnx: OnnxModel): [number, number] | undefined {
  const dims = onnx.realInputs()[0]?.shape ?? [];
  const h = dims[2];
  const w = dims[3];
  return typeof w === 'number' && typeof h === 'number' && w > 0 && h > 0 ? [w, h] : undefined;
}

/** The model's input size: its declared H and W, or the preprocessing's crop/resize size. */
export function modelInputSize(onnx: OnnxModel, config: PreprocessConfig): [number, number] {
  const input = onnx.realInputs()[0];
  if (input === undefined) throw new UsageError(`${onnx.path} has no input`);
  const dims = input.shape ?? [];
  const h = dims[2];
  const w = dims[3];
  if (typeof w === 'number' && typeof h === 'number' && w > 0 && h > 0) return [w, h];
  if (config.crop) return [config.crop[0], config.crop[1]];
  const size = config.resize.size;
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}
