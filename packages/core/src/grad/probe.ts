/**
 * The shapes (and the small integer values) a backward graph is built from, asked of onnxruntime:
 * one run of a zero batch with the path's tensors added as outputs. The batch is 2 where the model
 * leaves it free, so that no axis of size 1 is mistaken for the batch axis broadcast.
 */
import { ModelError } from '../errors.js';
import { addGraphOutputs } from '../onnx/add-outputs.js';
import { DataType, type OnnxModel } from '../onnx/schema.js';
import { createSession } from '../runtime/session.js';
import type { Device } from '../runtime/types.js';

export interface ProbedTensors {
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Values of the probed integer tensors (shape arithmetic, indices). */
  readonly values: ReadonlyMap<string, number[]>;
  /** The batch the probe ran. */
  readonly batch: number;
}

const PRODUCED_TYPE: Readonly<Record<string, number>> = {
  Shape: DataType.INT64,
  Size: DataType.INT64,
  ArgMax: DataType.INT64,
  ArgMin: DataType.INT64,
  NonZero: DataType.INT64,
  Equal: DataType.BOOL,
  Less: DataType.BOOL,
  LessOrEqual: DataType.BOOL,
  Greater: DataType.BOOL,
  GreaterOrEqual: DataType.BOOL,
  Not: DataType.BOOL,
  And: DataType.BOOL,
  Or: DataType.BOOL,
  Xor: DataType.BOOL,
  IsNaN: DataType.BOOL,
  IsInf: DataType.BOOL,
};

/** The element type of a tensor: declared, or followed through its producers (torch exports declare few). */
export function elemTypeOf(model: OnnxModel, tensor: string, seen = new Set<string>()): number {
  const declared = model.tensorType(tensor) ?? model.initializer(tensor)?.dataType;
  if (declared !== undefined && declared !== 0) return declared;
  const node = model.producer(tensor);
  if (node === undefined || seen.has(tensor)) return DataType.FLOAT;
  seen.add(tensor);
  const fixed = PRODUCED_TYPE[node.opType];
  if (fixed !== undefined) return fixed;
  if (node.opType === 'TopK' && node.outputs[1] === tensor) return DataType.INT64;
  if (node.opType === 'Cast') return node.attributes.get('to')?.i ?? DataType.FLOAT;
  if (node.opType === 'Constant' || node.opType === 'ConstantOfShape')
    return node.attributes.get('value')?.t?.dataType ?? DataType.FLOAT;
  const from = node.opType === 'Where' ? node.inputs[1] : node.inputs[0];
  return from === undefined || from === '' ? DataType.FLOAT : elemTypeOf(model, from, seen);
}

/** Runs `model` once on zeros of `inputDims` (batch dim free: 2) and returns the tensors' shapes. */
export async function probeTensors(
  model: OnnxModel,
  tensors: readonly string[],
  inputDims: readonly number[],
  device: Device = 'cpu',
): Promise<ProbedTensors> {
  const inputs = new Set(model.graph.inputs.map((i) => i.name));
  const wanted = [...new Set(tensors)].filter((t) => !inputs.has(t) && model.initializer(t) === undefined);
  const types = new Map(wanted.map((t) => [t, elemTypeOf(model, t)]));
  const bytes = addGraphOutputs(
    model,
    wanted.map((name) => ({ name, elemType: types.get(name)!, shape: null })),
  );
  const session = await createSession(bytes, {
    device,
    outputs: wanted,
    file: model.path,
    intraOpThreads: 1,
    thread: 'main',
  });
  try {
    const dims = [...inputDims];
    if (session.fixedBatch !== null) dims[0] = session.fixedBatch;
    const size = dims.reduce((a, b) => a * b, 1);
    const outputs = await session.run(new Float32Array(size), dims[0]!, dims);
    const shapes = new Map<string, readonly number[]>();
    const values = new Map<string, number[]>();
    for (const name of wanted) {
      const out = outputs[name];
      if (out === undefined)
        throw new ModelError('E_MODEL_FORMAT', `the probe run did not return '${name}'`, {
          file: model.path,
        });
      shapes.set(name, out.dims);
      if (types.get(name) !== DataType.FLOAT && out.data.length <= 4096)
        values.set(name, Array.from(out.data));
    }
    const input = model.realInputs()[0];
    if (input !== undefined) shapes.set(input.name, dims);
    return { shapes, values, batch: dims[0]! };
  } finally {
    await session.release();
  }
}
