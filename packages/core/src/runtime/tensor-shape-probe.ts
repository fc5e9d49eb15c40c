/**
 * Tensor shapes that the graph does not declare, asked of onnxruntime itself (head detection's
 * fallback). Not to be confused with diagnose/session-probe.ts, which checks that a provider works.
 */
import { ModelError } from '../errors.js';
import { addGraphOutputs } from '../onnx/add-outputs.js';
import type { OnnxModel } from '../onnx/schema.js';
import { createSession } from './session.js';

/**
 * Asks onnxruntime for the shape of a tensor: adds it as an output and runs a zero input once
 * (batch 1 where the batch is dynamic). Spatial input dims must be fixed.
 */
export async function probeTensorShape(model: OnnxModel, tensor: string): Promise<number[]> {
  const bytes = addGraphOutputs(model, [{ name: tensor, shape: null }]);
  const session = await createSession(bytes, {
    device: 'cpu',
    outputs: [tensor],
    file: model.path,
    intraOpThreads: 1,
    // One run of zeros: a worker would cost more to start than it saves.
    thread: 'main',
  });
  try {
    const dims = session.inputShape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : Number.NaN));
    if (dims.some((d) => !Number.isFinite(d))) {
      throw new ModelError(
        'E_MODEL_FORMAT',
        `input '${session.inputName}' has dynamic spatial dims [${session.inputShape.join(',')}]: cannot work out the shape of '${tensor}'`,
        { file: model.path },
      );
    }
    const n = dims.reduce((a, b) => a * b, 1);
    const out = await session.run(new Float32Array(n), dims[0]!, dims);
    return out[tensor]!.dims;
  } finally {
    await session.release();
  }
}
