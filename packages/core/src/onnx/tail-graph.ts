/**
 * The model from one tensor on: the nodes that compute `outputs` from `tensor` (and constants),
 * with `tensor` as the only graph input. Ablation-CAM runs its C + 1 passes through it when the
 * feature tensor separates the image from the scores (a ViT's final tokens: the tail is the
 * class-token Gather and the classifier), instead of running the whole model C + 1 times.
 *
 * Undefined when the tensor does not separate them: a path from the image input reaches an output
 * around it (a residual that skips it, a Shape of an earlier tensor), or a needed node holds a
 * subgraph (If/Loop bodies may read outer-scope tensors this walk does not see). The bytes are
 * edited as in mask-tensor.ts: kept nodes, initializers and value_info copied verbatim, the rest
 * left out, the new input and outputs written.
 */
import { encodeValueInfo } from './add-outputs.js';
import { ProtoWriter } from './encode.js';
import { forEachField, rewriteGraphs, stringFields } from './proto-rewrite.js';
import { DataType, type OnnxModel, type OnnxNode } from './schema.js';
import { WIRE_LEN } from './wire.js';

const NODE = 1;
const INPUT = 11;
const OUTPUT = 12;
const VALUE_INFO = 13;

/** The tail graph's bytes, or undefined when `tensor` does not separate the inputs from `outputs`. */
export function tailFrom(
  model: OnnxModel,
  tensor: string,
  outputs: readonly string[],
): Uint8Array | undefined {
  const needed = neededNodes(model, tensor, outputs);
  if (needed === undefined) return undefined;
  const computed = new Set(needed.flatMap((n) => n.outputs));
  const declared = new ProtoWriter();
  const shape = model.tensorShape(tensor) ?? null;
  declared.message(INPUT, (v) => encodeValueInfo(v, { name: tensor, elemType: DataType.FLOAT, shape }));
  for (const name of outputs) {
    const type = model.tensorType(name) ?? DataType.FLOAT;
    declared.message(OUTPUT, (v) =>
      encodeValueInfo(v, { name, elemType: type, shape: model.tensorShape(name) ?? null }),
    );
  }
  let first = true;
  return rewriteGraphs(model.bytes, (graph, out) => {
    forEachField(graph, (field, wire, start, end, bodyStart) => {
      const keep =
        wire !== WIRE_LEN
          ? true
          : field === NODE
            ? stringFields(graph, bodyStart, end, 2).some((o) => computed.has(o))
            : field === INPUT
              ? model.initializer(stringFields(graph, bodyStart, end, 1)[0] ?? '') !== undefined
              : field === OUTPUT
                ? false
                : field === VALUE_INFO
                  ? computed.has(stringFields(graph, bodyStart, end, 1)[0] ?? '')
                  : true;
      if (keep) out.raw(graph.subarray(start, end));
    });
    if (first) out.raw(declared.finish());
    first = false;
  });
}

/** The nodes between `tensor` and `outputs`, or undefined when a path goes around `tensor`. */
function neededNodes(model: OnnxModel, tensor: string, outputs: readonly string[]): OnnxNode[] | undefined {
  const needed = new Set<OnnxNode>();
  const seen = new Set<string>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (name === '' || name === tensor || seen.has(name)) continue;
    seen.add(name);
    if (model.initializer(name) !== undefined) continue;
    const producer = model.producer(name);
    // A graph input reached around the tensor, or a subgraph whose outer-scope reads are unseen.
    if (producer === undefined) return undefined;
    if ([...producer.attributes.values()].some((a) => a.undecoded === true)) return undefined;
    // The tensor's own producer, needed for another of its outputs: the tensor cannot be an input.
    if (producer.outputs.includes(tensor)) return undefined;
    needed.add(producer);
    stack.push(...producer.inputs);
  }
  return [...needed];
}
