/**
 * Hostile ONNX files (issue 29, item 13): each must fail as a ModelError naming the model file,
 * never as the engine's own RangeError or a system error. Every file is built here, byte by byte.
 */
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { inspectModel } from '../../src/inspect.js';
import { ProtoWriter } from '../../src/onnx/encode.js';
import { parseOnnxModel, readOnnxModel } from '../../src/onnx/read-model.js';
import { buildModel, type TensorSpec, tinyModel } from './builder.js';

const tmp = mkdtempSync(join(tmpdir(), 'cam-hostile-onnx-'));
const GiB = 2 ** 30;

/** A one-node model `y = x + w` with the initializer `w` as given. */
function withInitializer(w: TensorSpec): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', shape: [1] }],
    outputs: [{ name: 'y', shape: [1] }],
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [w],
  });
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** Runs `f` and returns what it threw (failing the test when it did not throw). */
async function thrown(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, got none');
}

/** The error is a ModelError naming `path`, with `pattern` in its message. */
function expectModelError(error: unknown, path: string, pattern: RegExp): void {
  expect(error).toBeInstanceOf(ModelError);
  expect((error as ModelError).file).toBe(path);
  expect((error as ModelError).message).toMatch(pattern);
}

describe('nested protobuf groups', () => {
  /** `depth` start-group tags of `field` then as many end-group tags: a group in a group in ... */
  function nestedGroups(depth: number, field = 5): Uint8Array {
    const bytes = new Uint8Array(2 * depth);
    bytes.fill((field << 3) | 3, 0, depth);
    bytes.fill((field << 3) | 4, depth);
    return bytes;
  }

  it('100 KB of nested groups is a ModelError naming the file, not a stack overflow', async () => {
    const path = write('groups.onnx', nestedGroups(50_000));
    expectModelError(await thrown(() => readOnnxModel(path)), path, /groups nested deeper than 100/);
    // the same bytes after a valid model, and inside a graph (field 9, unused by GraphProto)
    const after = write(
      'model-then-groups.onnx',
      new Uint8Array([...tinyModel('gemm'), ...nestedGroups(50_000)]),
    );
    expectModelError(await thrown(() => readOnnxModel(after)), after, /groups nested deeper/);
    const inGraph = new ProtoWriter()
      .int(1, 8)
      .message(7, (g) => g.raw(nestedGroups(50_000, 9)))
      .finish();
    expectModelError(await thrown(() => parseOnnxModel(inGraph)), '<memory>', /groups nested deeper/);
  });

  it('shallow groups are still skipped, and unterminated ones refused', async () => {
    const model = tinyModel('gemm');
    const m = parseOnnxModel(new Uint8Array([...nestedGroups(100), ...model]));
    expect(m.graph.outputs[0]!.name).toBe('logits');
    const open = nestedGroups(10).subarray(0, 15);
    expect(() => parseOnnxModel(new Uint8Array([...model, ...open]))).toThrow(/unterminated group/);
  });
});

describe('tensor dims', () => {
  it('dims [-5,-4] are a ModelError naming the file and the tensor when the model is read', async () => {
    // 20 floats of raw data: the product of the dims matches, so nothing but the sign is wrong
    const path = write(
      'negative-dims.onnx',
      withInitializer({ name: 'w', dims: [-5, -4], data: new Array(20).fill(1) }),
    );
    expectModelError(
      await thrown(() => readOnnxModel(path)),
      path,
      /tensor 'w' has dims \[-5,-4\]: dimension -5 is negative/,
    );
    // as a classifier's weights, where the class count came from dims[0]
    const head = write(
      'negative-head.onnx',
      buildModel({
        inputs: [{ name: 'x', shape: [1, 4] }],
        outputs: [{ name: 'y', shape: [1, 5] }],
        nodes: [{ op: 'Gemm', inputs: ['x', 'fc.w'], outputs: ['y'], attrs: { transB: { i: 1 } } }],
        initializers: [{ name: 'fc.w', dims: [-5, -4], data: new Array(20).fill(1) }],
      }),
    );
    expectModelError(await thrown(() => inspectModel(head)), head, /dimension -5 is negative/);
  });

  it('dims whose product is not a safe integer, and negative dims of a Constant node, are refused', async () => {
    const huge = write(
      'huge-dims.onnx',
      withInitializer({ name: 'w', dims: [2 ** 40, 2 ** 40], data: [], as: 'typed' }),
    );
    expectModelError(await thrown(() => readOnnxModel(huge)), huge, /more elements than can be counted/);
    const constant = write(
      'negative-constant.onnx',
      buildModel({
        inputs: [{ name: 'x', shape: [1] }],
        outputs: [{ name: 'y', shape: [1] }],
        nodes: [
          {
            op: 'Constant',
            inputs: [],
            outputs: ['c'],
            attrs: { value: { t: { name: 'c', dims: [-1], data: [1] } } },
          },
          { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] },
        ],
      }),
    );
    expectModelError(await thrown(() => readOnnxModel(constant)), constant, /dimension -1 is negative/);
  });
});

describe('external data', () => {
  /** A sparse file of `bytes` bytes: no disk space, any size the file system allows. */
  function sparse(name: string, bytes: number): void {
    const fd = openSync(join(tmp, name), 'w');
    try {
      ftruncateSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
  }

  /** The model file and what reading the external initializer `w` of `dims` threw. */
  async function readExternal(
    name: string,
    dims: number[],
    external: { location: string; length?: number },
  ): Promise<[string, unknown]> {
    const path = write(name, withInitializer({ name: 'w', dims, data: [], as: 'external', external }));
    const model = await readOnnxModel(path);
    return [path, await thrown(() => model.initializer('w')!.floats())];
  }

  it('an 8 GiB length on a sparse file is a ModelError, whether or not the dims agree', async () => {
    sparse('sparse.bin', 9 * GiB);
    // the dims ask for 8 GiB of floats too: more than one array holds
    const [agreeing, tooLarge] = await readExternal('sparse-agreeing.onnx', [2, GiB], {
      location: 'sparse.bin',
      length: 8 * GiB,
    });
    expectModelError(tooLarge, agreeing, /8589934592 bytes for one tensor, more than the 4294967296/);
    // the dims ask for 6 floats: the declared length is refused before anything is allocated
    const [lying, mismatch] = await readExternal('sparse-lying.onnx', [2, 3], {
      location: 'sparse.bin',
      length: 8 * GiB,
    });
    expectModelError(mismatch, lying, /declares 8589934592 bytes, the tensor's type and shape need 24/);
    // no length given: the dims' 8 GiB are asked for
    const [implied, impliedTooLarge] = await readExternal('sparse-implied.onnx', [2, GiB], {
      location: 'sparse.bin',
    });
    expectModelError(impliedTooLarge, implied, /more than the 4294967296/);
  });

  it('external data that is a folder is a ModelError naming the model, not EISDIR', async () => {
    mkdirSync(join(tmp, 'folder.bin'));
    const [path, error] = await readExternal('folder-data.onnx', [2], { location: 'folder.bin' });
    expectModelError(error, path, /'folder.bin' cannot be opened: it is a folder/);
  });
});
