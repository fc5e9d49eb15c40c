/**
 * The forward passes of Ablation-CAM on heads without its closed form (token features): a session
 * of its own on the model with a mask on the feature tensor (onnx/mask-tensor.ts), opened on the
 * first call, so the main session's graph and numbers stay as they are and a model that never asks
 * for Ablation-CAM never pays for it. The session fetches the class logits: the score output, or
 * the input of the Softmax/LogSoftmax that ends the graph (Ablation-CAM is defined on logits).
 */
import type { AblatedScores } from './cam/types.js';
import type { CamHead } from './head/detect.js';
import { graphOutputsFragment } from './onnx/add-outputs.js';
import { type MaskedModel, maskTensor } from './onnx/mask-tensor.js';
import type { OnnxModel } from './onnx/schema.js';
import { createSession } from './runtime/session.js';
import type { ModelSession, SessionOptions } from './runtime/types.js';

interface Opened {
  readonly session: ModelSession;
  readonly masked: MaskedModel;
  readonly logits: string;
}

export class AblationSession {
  private opened: Promise<Opened> | undefined;

  private readonly inputWidth: number;
  private readonly inputHeight: number;
  private readonly options: SessionOptions;

  /** Nothing opens yet; the session will run where `main` (the model's session) runs. */
  constructor(
    private readonly onnx: OnnxModel,
    private readonly head: CamHead,
    [inputWidth, inputHeight]: readonly [number, number],
    main: ModelSession,
    threads?: number,
  ) {
    this.inputWidth = inputWidth;
    this.inputHeight = inputHeight;
    const { requested } = main.deviceChoice;
    this.options = {
      device: requested === 'auto' ? main.provider : requested,
      ...(threads === undefined ? {} : { intraOpThreads: threads }),
      file: onnx.path,
    };
  }

  /** The passes, batched into one run (the session splits it for a fixed-batch model). */
  readonly scores: AblatedScores = async (input, masks, count) => {
    const { session, masked, logits } = await this.open();
    const plane = 3 * this.inputWidth * this.inputHeight;
    const batch = new Float32Array(count * plane);
    for (let i = 0; i < count; i++) batch.set(input, i * plane);
    const out = await session.run(batch, count, {
      dims: [count, 3, this.inputHeight, this.inputWidth],
      extra: { [masked.maskInput]: { data: masks.slice(), dims: masked.maskDims(count) } },
      transfer: true,
    });
    return out[logits]!.data;
  };

  private open(): Promise<Opened> {
    this.opened ??= (async () => {
      const { onnx, head } = this;
      const masked = maskTensor(
        onnx,
        head.featureTensor,
        head.channels,
        head.tokens ? 'tokens' : 'channels-first',
      );
      const last = onnx.producer(head.scoreTensor);
      const softmax = last?.opType === 'Softmax' || last?.opType === 'LogSoftmax';
      const logits = softmax ? last.inputs[0]! : head.scoreTensor;
      const outputs = onnx.graph.outputs.some((o) => o.name === logits)
        ? masked.bytes
        : concat(
            masked.bytes,
            graphOutputsFragment([{ name: logits, shape: onnx.tensorShape(logits) ?? null }]),
          );
      const session = await createSession(outputs, { ...this.options, outputs: [logits] });
      return { session, masked, logits };
    })();
    return this.opened;
  }

  /** Releases the session, if it was opened. */
  async release(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened !== undefined) await (await opened.catch(() => undefined))?.session.release();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
