/**
 * Adding graph outputs without touching a single original byte.
 *
 * Protobuf parsers merge repeated occurrences of an embedded message field, so appending a
 * `ModelProto.graph` (field 7) fragment that holds only `GraphProto.output` (field 12) entries adds
 * outputs to the graph while the original file stays byte-for-byte as it was. Nothing is re-encoded.
 */
import { ModelError } from '../errors.js';
import { ProtoWriter } from './encode.js';
import { DataType, type OnnxDim, type OnnxModel } from './schema.js';

export interface OutputSpec {
  readonly name: string;
  /** TensorProto.DataType; float32 by default. */
  readonly elemType?: number;
  /** Shape where known: number = dim_value, string = dim_param, null = unknown dim. Omit for unknown rank. */
  readonly shape?: readonly OnnxDim[] | null;
}

/** Encodes one ValueInfoProto (name, tensor type, optional shape). */
export function encodeValueInfo(w: ProtoWriter, spec: OutputSpec): void {
  w.string(1, spec.name);
  w.message(2, (tp) => {
    tp.message(1, (tt) => {
      tt.int(1, spec.elemType ?? DataType.FLOAT);
      if (spec.shape != null) {
        const shape = spec.shape;
        tt.message(2, (sh) => {
          for (const d of shape) {
            sh.message(1, (dim) => {
              if (typeof d === 'number') dim.int(1, d);
              else if (typeof d === 'string') dim.string(2, d);
            });
          }
        });
      }
    });
  });
}

/** The bytes to append to a model file to add `outputs` as graph outputs. */
export function graphOutputsFragment(outputs: readonly OutputSpec[]): Uint8Array {
  const w = new ProtoWriter();
  w.message(7, (g) => {
    for (const o of outputs) g.message(12, (vi) => encodeValueInfo(vi, o));
  });
  return w.finish();
}

/**
 * Returns new model bytes: the original bytes followed by a graph fragment adding the given
 * tensors as outputs. Names that are already graph outputs are left out; unknown names are refused.
 * With a model, the elem type and shape default to what the model declares for the tensor.
 */
export function addGraphOutputs(model: OnnxModel, outputs: readonly (string | OutputSpec)[]): Uint8Array {
  const existing = new Set(model.graph.outputs.map((o) => o.name));
  const specs: OutputSpec[] = [];
  const seen = new Set<string>();
  for (const o of outputs) {
    const spec: OutputSpec = typeof o === 'string' ? { name: o } : o;
    if (existing.has(spec.name) || seen.has(spec.name)) continue;
    seen.add(spec.name);
    const known =
      model.producer(spec.name) !== undefined ||
      model.initializer(spec.name) !== undefined ||
      model.graph.inputs.some((i) => i.name === spec.name);
    if (!known) {
      throw new ModelError(
        'E_MODEL_FORMAT',
        `cannot add output '${spec.name}': no tensor of that name in the graph`,
        {
          file: model.path,
        },
      );
    }
    const elemType = spec.elemType ?? model.tensorType(spec.name) ?? DataType.FLOAT;
    const shape = spec.shape !== undefined ? spec.shape : (model.tensorShape(spec.name) ?? null);
    specs.push({ name: spec.name, elemType, shape });
  }
  if (specs.length === 0) return model.bytes;
  const fragment = graphOutputsFragment(specs);
  const out = new Uint8Array(model.bytes.length + fragment.length);
  out.set(model.bytes, 0);
  out.set(fragment, model.bytes.length);
  return out;
}
