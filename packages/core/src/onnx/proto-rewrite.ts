/**
 * Editing a serialized model in place of re-encoding it: walk the fields of a message as byte
 * ranges, copy the ones that stay verbatim and rebuild only what changes (a graph, a node).
 * mask-tensor.ts and tail-graph.ts build on it; read-model.ts stays the decoder.
 */
import { ProtoWriter } from './encode.js';
import { decodeUtf8, ProtoReader, WIRE_LEN } from './wire.js';

/**
 * Visits each field of the message in bytes [from, to): its number, wire type, where it starts
 * (tag included), where it ends, and where a length-delimited field's body starts.
 */
export function forEachField(
  bytes: Uint8Array,
  visit: (field: number, wire: number, start: number, end: number, bodyStart: number) => void,
  from = 0,
  to = bytes.length,
): void {
  const r = new ProtoReader(bytes, from, to);
  while (!r.done) {
    const start = r.pos;
    const tag = r.tag();
    const wire = tag & 7;
    let bodyStart = r.pos;
    if (wire === WIRE_LEN) bodyStart = r.span()[0];
    else r.skip(wire);
    visit(tag >>> 3, wire, start, r.pos, bodyStart);
  }
}

/**
 * ModelProto with each graph occurrence (field 7; an appended fragment is one more) rebuilt by
 * `edit` into `out`; every other field copied verbatim, each graph's length prefix written anew.
 */
export function rewriteGraphs(
  model: Uint8Array,
  edit: (graph: Uint8Array, out: ProtoWriter) => void,
): Uint8Array {
  const out = new ProtoWriter();
  forEachField(model, (field, wire, start, end, bodyStart) => {
    if (field !== 7 || wire !== WIRE_LEN) {
      out.raw(model.subarray(start, end));
      return;
    }
    const graph = new ProtoWriter();
    edit(model.subarray(bodyStart, end), graph);
    out.bytes(7, graph.finish());
  });
  return out.finish();
}

/**
 * The strings of field `field` in the message in bytes [from, to): a NodeProto's outputs (2), a
 * ValueInfoProto's name (1).
 */
export function stringFields(bytes: Uint8Array, from: number, to: number, field: number): string[] {
  const values: string[] = [];
  forEachField(
    bytes,
    (f, wire, _start, end, bodyStart) => {
      if (f === field && wire === WIRE_LEN) values.push(decodeUtf8(bytes, bodyStart, end));
    },
    from,
    to,
  );
  return values;
}

/** The NodeProto in bytes [from, to) with output `name` renamed `to`; every other field verbatim. */
export function renameNodeOutput(bytes: Uint8Array, from: number, to: number, name: string, renamed: string) {
  const node = new ProtoWriter();
  forEachField(
    bytes,
    (field, wire, start, end, bodyStart) => {
      const isOutput = field === 2 && wire === WIRE_LEN;
      if (isOutput && decodeUtf8(bytes, bodyStart, end) === name) node.string(2, renamed);
      else node.raw(bytes.subarray(start, end));
    },
    from,
    to,
  );
  return node.finish();
}
