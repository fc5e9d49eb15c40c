/**
 * Reading an ONNX model: the entry points `readOnnxModel` (a file) and `parseOnnxModel` (bytes).
 * Decodes ModelProto's own fields, hands each graph to decode-model.ts, and turns every failure
 * into a ModelError naming the file and what was wrong.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ModelError } from '../errors.js';
import { readRegularFile } from '../files/regular-file.js';
import {
  expectWire,
  mergeGraphs,
  type ParsedGraph,
  parseEntry,
  parseGraph,
  parseOpset,
} from './decode-model.js';
import type { ModelSource } from './lazy-tensor.js';
import { IndexedModel } from './model-index.js';
import type { OnnxModel, OnnxOpset } from './schema.js';
import { ProtoReader, WIRE_LEN, WIRE_VARINT, WireError } from './wire.js';

export interface ParseOptions {
  /** Where the bytes came from: used in messages and to resolve external data. */
  path?: string;
}

function describeWhere(path: string | undefined): string {
  return path ?? '<memory>';
}

/** Parses ONNX model bytes. Throws ModelError when they are truncated or not an ONNX model. */
export function parseOnnxModel(bytes: Uint8Array, options: ParseOptions = {}): OnnxModel {
  const path = options.path;
  const file = describeWhere(path);
  if (bytes.length === 0) {
    throw new ModelError('E_MODEL_FORMAT', 'empty file: not an ONNX model', { file });
  }
  const source: ModelSource = { bytes, path };
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  const opsets: OnnxOpset[] = [];
  const metadata: Record<string, string> = {};
  // Repeated occurrences of ModelProto.graph merge (that is how add-outputs works): collect all.
  const graphs: ParsedGraph[] = [];
  try {
    const r = new ProtoReader(bytes);
    while (!r.done) {
      const tag = r.tag();
      const f = tag >>> 3;
      const w = tag & 7;
      switch (f) {
        case 1:
          expectWire(r, w, WIRE_VARINT, 'ModelProto.ir_version');
          irVersion = r.int64();
          break;
        case 2:
          expectWire(r, w, WIRE_LEN, 'ModelProto.producer_name');
          producerName = r.string();
          break;
        case 3:
          expectWire(r, w, WIRE_LEN, 'ModelProto.producer_version');
          producerVersion = r.string();
          break;
        case 7:
          expectWire(r, w, WIRE_LEN, 'ModelProto.graph');
          graphs.push(parseGraph(r.message(), source));
          break;
        case 8:
          expectWire(r, w, WIRE_LEN, 'ModelProto.opset_import');
          opsets.push(parseOpset(r.message()));
          break;
        case 14: {
          expectWire(r, w, WIRE_LEN, 'ModelProto.metadata_props');
          const [k, v] = parseEntry(r.message());
          metadata[k] = v;
          break;
        }
        default:
          r.skip(w);
      }
    }
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    if (cause instanceof WireError) {
      const truncated = cause.message.startsWith('truncated');
      throw new ModelError(
        'E_MODEL_FORMAT',
        truncated
          ? `truncated or not an ONNX model (${cause.message})`
          : `not an ONNX model: protobuf parse failed (${cause.message})`,
        { file, cause, hint: truncated ? 'the download or copy may be incomplete' : undefined },
      );
    }
    throw cause;
  }
  if (graphs.length === 0 || irVersion <= 0) {
    throw new ModelError(
      'E_MODEL_FORMAT',
      `not an ONNX model: ${graphs.length === 0 ? 'no graph' : 'no ir_version'} in ${bytes.length} bytes`,
      { file },
    );
  }
  const g = mergeGraphs(graphs);
  if (g.nodes.length === 0) {
    throw new ModelError('E_MODEL_FORMAT', 'not an ONNX model: the graph has no nodes', { file });
  }
  return new IndexedModel(
    path ?? '<memory>',
    bytes,
    irVersion,
    producerName,
    producerVersion,
    opsets,
    g,
    metadata,
  );
}

/** Reads and parses an ONNX file. Throws ModelError naming the file and what was wrong. */
export async function readOnnxModel(path: string): Promise<OnnxModel> {
  const abs = resolve(path);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(abs);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ModelError(
      'E_MODEL_READ',
      code === 'ENOENT' ? 'no such file' : `cannot read the model (${code ?? cause})`,
      {
        file: path,
        cause,
        hint: 'pass the path of an .onnx file',
      },
    );
  }
  if (!info.isFile()) {
    throw new ModelError(
      'E_MODEL_READ',
      info.isDirectory() ? 'is a folder, not an ONNX file' : 'not a regular file',
      {
        file: path,
        hint: 'pass the path of an .onnx file',
      },
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(abs);
  } catch (cause) {
    throw new ModelError('E_MODEL_READ', `cannot read the model (${(cause as Error).message})`, {
      file: path,
      cause,
    });
  }
  const m = parseOnnxModel(bytes, { path: abs });
  return m;
}
