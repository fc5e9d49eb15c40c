/**
 * The forward passes of Ablation-CAM on heads without its closed form (token features), in a
 * session of its own opened on the first call, so the main session's graph and numbers stay as
 * they are and a model that never asks for Ablation-CAM never pays for it. Two ways, picked once:
 *
 * - the tail (onnx/tail-graph.ts), when the feature tensor separates the image from the scores (a
 *   ViT's final tokens): the main session gives the image's features once, and the C + 1 ablated
 *   copies of them go through the rest of the model only (for ViT-Tiny: a Gather and a Gemm);
 * - the whole model with a mask on the feature tensor (onnx/mask-tensor.ts) otherwise (a tensor
 *   that a residual goes around, e.g. a block's first LayerNorm): each copy of the image runs it all.
 *
 * The session fetches the class logits: the score output, or the input of the Softmax/LogSoftmax
 * that ends the graph (Ablation-CAM is defined on logits).
 */
import type { AblatedScores } from './cam/types.js';
import type { CamHead } from './head/detect.js';
import { graphOutputsFragment } from './onnx/add-outputs.js';
import { type MaskedModel, maskTensor } from './onnx/mask-tensor.js';
import type { OnnxModel } from './onnx/schema.js';
import { tailFrom } from './onnx/tail-graph.js';
import { createSession } from './runtime/session.js';
import type { ModelSession, OutputTensor, SessionOptions } from './runtime/types.js';

interface Opened {
  readonly session: ModelSession;
  readonly logits: string;
  /** Set for the whole-model way; absent for the tail. */
  readonly masked?: MaskedModel;
}

/** Which way the passes go: the tail of the model, or the whole masked model. */
export type AblationWay = 'tail' | 'masked-model';

export class AblationSession {
  private opened: Promise<Opened> | undefined;
  private readonly options: SessionOptions;
  /** The last image's features from the main session (the tail way), compared by value. */
  private features: { readonly input: Float32Array; readonly features: Promise<OutputTensor> } | undefined;

  /** Nothing opens yet; the session will run where `main` (the model's session) runs. */
  constructor(
    private readonly onnx: OnnxModel,
    private readonly head: CamHead,
    private readonly inputSize: readonly [number, number],
    private readonly main: ModelSession,
    threads?: number,
  ) {
    const { requested } = main.deviceChoice;
    this.options = {
      device: requested === 'auto' ? main.provider : requested,
      ...(threads === undefined ? {} : { intraOpThreads: threads }),
      file: onnx.path,
    };
  }

  /** The way the passes go (opens the session). */
  async way(): Promise<AblationWay> {
    return (await this.open()).masked === undefined ? 'tail' : 'masked-model';
  }

  /** The passes, batched into one run (the session splits it for a fixed-batch model). */
  readonly scores: AblatedScores = async (input, masks, count) => {
    const { session, logits, masked } = await this.open();
    const run =
      masked === undefined
        ? await this.tailRun(input, masks, count)
        : this.maskedRun(masked, input, masks, count);
    const out = await session.run(run.batch, count, { dims: run.dims, extra: run.extra, transfer: true });
    return out[logits]!.data;
  };

  /** `count` copies of the image, and the masks as the extra input. */
  private maskedRun(masked: MaskedModel, input: Float32Array, masks: Float32Array, count: number) {
    const [width, height] = this.inputSize;
    const batch = new Float32Array(count * input.length);
    for (let i = 0; i < count; i++) batch.set(input, i * input.length);
    const extra = { [masked.maskInput]: { data: masks.slice(), dims: masked.maskDims(count) } };
    return { batch, dims: [count, 3, height, width], extra };
  }

  /** `count` copies of the image's features, copy i times its mask (per channel, in every position). */
  private async tailRun(input: Float32Array, masks: Float32Array, count: number) {
    const { channels, tokens } = this.head;
    const { data: features, dims } = await this.featuresOf(input);
    const positions = features.length / channels;
    const batch = new Float32Array(count * features.length);
    for (let i = 0; i < count; i++) {
      const mask = masks.subarray(i * channels, (i + 1) * channels);
      const copy = batch.subarray(i * features.length, (i + 1) * features.length);
      // Tokens [T,C]: channel fastest; a feature map [C,h,w]: position fastest.
      for (let j = 0; j < features.length; j++)
        copy[j] = features[j]! * mask[tokens ? j % channels : Math.floor(j / positions)]!;
    }
    return { batch, dims: [count, ...dims.slice(1)], extra: {} };
  }

  /** The feature tensor of one image, from the main session (kept for the image's next runs). */
  private featuresOf(input: Float32Array): Promise<OutputTensor> {
    const last = this.features;
    if (
      last !== undefined &&
      last.input.length === input.length &&
      last.input.every((v, i) => v === input[i])
    )
      return last.features;
    const [width, height] = this.inputSize;
    const features = this.main
      .run(input, 1, [1, 3, height, width])
      .then((out) => out[this.head.featureTensor]!);
    this.features = { input: input.slice(), features };
    return features;
  }

  private open(): Promise<Opened> {
    this.opened ??= (async () => {
      const { onnx, head } = this;
      const last = onnx.producer(head.scoreTensor);
      const softmax = last?.opType === 'Softmax' || last?.opType === 'LogSoftmax';
      const logits = softmax ? last.inputs[0]! : head.scoreTensor;
      const options = { ...this.options, outputs: [logits] };
      const tail = this.main.outputNames.includes(head.featureTensor)
        ? tailFrom(onnx, head.featureTensor, [logits])
        : undefined;
      if (tail !== undefined) return { session: await createSession(tail, options), logits };
      const masked = maskTensor(
        onnx,
        head.featureTensor,
        head.channels,
        head.tokens ? 'tokens' : 'channels-first',
      );
      const bytes = onnx.graph.outputs.some((o) => o.name === logits)
        ? masked.bytes
        : concat(
            masked.bytes,
            graphOutputsFragment([{ name: logits, shape: onnx.tensorShape(logits) ?? null }]),
          );
      return { session: await createSession(bytes, options), logits, masked };
    })();
    return this.opened;
  }

  /** Releases the session, if it was opened. */
  async release(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    this.features = undefined;
    if (opened !== undefined) await (await opened.catch(() => undefined))?.session.release();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
