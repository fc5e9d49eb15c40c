/**
 * A mask on one tensor of the graph: a new graph input `<tensor>__ablation_mask` multiplies the
 * tensor, and everything that read the tensor reads the product. Ablation-CAM zeroes one feature
 * channel per copy of the image this way, so the rest of the model runs on the ablated features.
 *
 * How: the one node that produces the tensor is re-emitted with that output renamed
 * `<tensor>__ablation_raw`, and a Mul(raw, mask) node right after it takes the tensor's name. So
 * no consumer changes, wherever it is (the main graph, or an If/Loop body that reads the tensor
 * from the outer scope), the node order stays topological, and value_info for the tensor still
 * holds (the product has its shape). Only that NodeProto is rebuilt, field by field (its other
 * fields copied byte for byte); every other field of ModelProto and GraphProto is copied verbatim,
 * initializers and external-data references included, and the graph's length prefix is written
 * anew. Appending (add-outputs.ts) cannot do this: protobuf merges append nodes, never replace one.
 *
 * @example
 * const { bytes, maskInput } = maskTensor(model, '/encoder/ln/Add_1_output_0', 192, 'tokens');
 * // feed maskInput [N,1,192]: ones keep the tensor, a zero at k removes channel k in every token
 */
import { ModelError } from '../errors.js';
import { encodeValueInfo } from './add-outputs.js';
import { ProtoWriter } from './encode.js';
import { forEachField, renameNodeOutput, rewriteGraphs, stringFields } from './proto-rewrite.js';
import { DataType, type OnnxDim, type OnnxModel } from './schema.js';
import { WIRE_LEN } from './wire.js';

/** Where the channels are: [N,T,C] token features, or [N,C,H,W] feature maps. */
export type MaskLayout = 'tokens' | 'channels-first';

export interface MaskedModel {
  /** The edited model. */
  readonly bytes: Uint8Array;
  /** The mask's graph input: [N,1,C] (tokens) or [N,C,1,1] (channels first), float32. */
  readonly maskInput: string;
  /** The mask's dims for a batch of `batch` images. */
  maskDims(batch: number): number[];
}

const RAW_SUFFIX = '__ablation_raw';
const MASK_SUFFIX = '__ablation_mask';

/** The model with `tensor` (C channels, laid out as `layout`) multiplied by a new mask input. */
export function maskTensor(
  model: OnnxModel,
  tensor: string,
  channels: number,
  layout: MaskLayout,
): MaskedModel {
  const fail = (message: string) =>
    new ModelError('E_MODEL_FORMAT', `cannot mask '${tensor}': ${message}`, { file: model.path });
  if (model.producer(tensor) === undefined) {
    throw fail('no node of the graph computes it (a graph input or an initializer cannot be masked)');
  }
  const type = model.tensorType(tensor);
  if (type !== undefined && type !== DataType.FLOAT) throw fail(`it is not float32 (type ${type})`);
  if (!(Number.isInteger(channels) && channels > 0)) throw fail(`${channels} channels`);
  const raw = `${tensor}${RAW_SUFFIX}`;
  const maskInput = `${tensor}${MASK_SUFFIX}`;
  const taken = new Set([
    ...model.graph.inputs.map((i) => i.name),
    ...model.graph.initializerNames,
    ...model.graph.nodes.flatMap((n) => n.outputs),
  ]);
  for (const name of [raw, maskInput]) if (taken.has(name)) throw fail(`the name '${name}' is taken`);
  const batch: OnnxDim = model.realInputs()[0]?.shape?.[0] ?? 'N';
  const shape: OnnxDim[] = layout === 'tokens' ? [batch, 1, channels] : [batch, channels, 1, 1];
  const maskNode = new ProtoWriter()
    .message(1, (n) => {
      n.string(1, raw).string(1, maskInput).string(2, tensor);
      n.string(3, `${tensor}__ablation_mul`).string(4, 'Mul');
    })
    .finish();
  const maskValue = new ProtoWriter()
    .message(11, (v) => encodeValueInfo(v, { name: maskInput, elemType: DataType.FLOAT, shape }))
    .finish();
  let edited = 0;
  const bytes = rewriteGraphs(model.bytes, (graph, out) => {
    let found = false;
    forEachField(graph, (field, wire, start, end, bodyStart) => {
      if (
        field === 1 &&
        wire === WIRE_LEN &&
        !found &&
        stringFields(graph, bodyStart, end, 2).includes(tensor)
      ) {
        out.bytes(1, renameNodeOutput(graph, bodyStart, end, tensor, raw)).raw(maskNode);
        found = true;
      } else out.raw(graph.subarray(start, end));
    });
    if (found) {
      out.raw(maskValue);
      edited++;
    }
  });
  if (edited !== 1) throw new RangeError(`the producer of '${tensor}' was found in ${edited} graphs`);
  return {
    bytes,
    maskInput,
    maskDims: (count) => (layout === 'tokens' ? [count, 1, channels] : [count, channels, 1, 1]),
  };
}
