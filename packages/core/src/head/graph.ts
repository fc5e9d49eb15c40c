/** Small graph walks the head detections share (not exported from the package). */
import type { OnnxModel, OnnxNode, OnnxTensor } from '../onnx/schema.js';

/** A head detection that does not fit this graph: caught by the walk, which tries the next output. */
export class Fail extends Error {}

/** Ops that only reshape or copy, walked through on the way from the scores to the features. */
export const PASSTHROUGH = new Set(['Flatten', 'Reshape', 'Squeeze', 'Identity', 'Dropout']);

/** A constant: an initializer or a Constant node's value. */
export function constant(model: OnnxModel, name: string | undefined): OnnxTensor | undefined {
  if (name === undefined || name === '') return undefined;
  const init = model.initializer(name);
  if (init !== undefined) return init;
  const p = model.producer(name);
  if (p !== undefined && p.opType === 'Constant') return p.attributes.get('value')?.t;
  return undefined;
}

/** Walks up through PASSTHROUGH ops, prepending their types to `ops`; the first other tensor and its producer. */
export function skipPassthrough(
  model: OnnxModel,
  name: string,
  ops: string[],
): [string, OnnxNode | undefined] {
  let node = model.producer(name);
  while (node !== undefined && PASSTHROUGH.has(node.opType)) {
    ops.unshift(node.opType);
    name = node.inputs[0]!;
    node = model.producer(name);
  }
  return [name, node];
}
