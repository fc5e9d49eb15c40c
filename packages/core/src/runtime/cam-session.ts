/**
 * A session that returns both the class scores and the CAM feature map: the model bytes get the
 * feature tensor appended as a graph output (losslessly, see onnx/add-outputs.ts).
 */
import { CamError } from '../errors.js';
import type { CamHead } from '../head/detect.js';
import { addGraphOutputs } from '../onnx/add-outputs.js';
import type { OnnxModel } from '../onnx/model.js';
import { createSession, type ModelSession, type Provider, type SessionOptions } from './session.js';

export type CamSessionOptions = Omit<SessionOptions, 'outputs' | 'file'>;

export interface CamRunResult {
  /** [N*C] class scores (probabilities when head.softmax). */
  scores: Float32Array;
  /** [N*K*h*w] feature maps. */
  features: Float32Array;
  /** [N,K,h,w]. */
  featureDims: number[];
  numClasses: number;
}

export interface CamSession extends AsyncDisposable {
  readonly provider: Provider;
  readonly head: CamHead;
  readonly session: ModelSession;
  readonly inputName: string;
  readonly inputShape: readonly (number | string)[];
  readonly fixedBatch: number | null;
  run(input: Float32Array, batch: number, dims?: readonly number[]): Promise<CamRunResult>;
  release(): Promise<void>;
}

export async function createCamSession(
  model: OnnxModel,
  head: CamHead,
  options: CamSessionOptions = {},
): Promise<CamSession> {
  const fs = head.featureShape;
  const bytes = addGraphOutputs(model, [
    {
      name: head.featureTensor,
      shape: fs.length === 4 ? fs.map((d, i) => (d === null ? (i === 0 ? 'N' : null) : d)) : null,
    },
  ]);
  const session = await createSession(bytes, {
    ...options,
    outputs: [head.scoreTensor, head.featureTensor],
    file: model.path,
  });
  const release = () => session.release();
  return {
    provider: session.provider,
    head,
    session,
    inputName: session.inputName,
    inputShape: session.inputShape,
    fixedBatch: session.fixedBatch,
    async run(input, batch, dims) {
      const out = await session.run(input, batch, dims);
      const s = out[head.scoreTensor]!;
      const f = out[head.featureTensor]!;
      if (f.dims.length !== 4 || f.dims[0] !== batch || f.dims[1] !== head.channels) {
        throw new CamError(
          'E_CAM',
          `feature tensor '${head.featureTensor}' came back as [${f.dims.join(',')}]; expected [${batch},${head.channels},h,w]`,
          {
            file: model.path,
          },
        );
      }
      if (s.data.length !== batch * head.numClasses) {
        throw new CamError(
          'E_CAM',
          `score tensor '${head.scoreTensor}' came back as [${s.dims.join(',')}]; expected ${batch} x ${head.numClasses} scores`,
          {
            file: model.path,
          },
        );
      }
      return { scores: s.data, features: f.data, featureDims: f.dims, numClasses: head.numClasses };
    },
    release,
    [Symbol.asyncDispose]: release,
  };
}
