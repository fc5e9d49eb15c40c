import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { ModelError } from '../../src/errors.js';
import { parseOnnxModel, readOnnxModel } from '../../src/onnx/read-model.js';
import { DataType } from '../../src/onnx/schema.js';
import { buildModel, C, K, randomFloats, rawBytes, tinyModel } from './builder.js';

const tmp = mkdtempSync(join(tmpdir(), 'cam-onnx-'));
afterAll(() => {
  // temp files are left to the OS: the folder holds a symlink test
});

describe('parseOnnxModel on built models', () => {
  it('reads graph, nodes, attributes, value infos and metadata', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['N', 3, 4, 4] }],
      outputs: [{ name: 'y', shape: ['N', 3, 4, 4] }],
      valueInfo: [{ name: 'y', shape: [null, 3, 4, 4] }],
      nodes: [
        {
          op: 'Clip',
          inputs: ['x'],
          outputs: ['y'],
          name: 'clip',
          attrs: { min: { f: 0 }, max: { f: 6 }, axes: { ints: [-1, 2] }, mode: { s: 'abc' } },
        },
      ],
      opset: 11,
      metadata: { author: 'me', preprocess: '{"preset":"imagenet"}' },
    });
    const m = parseOnnxModel(bytes, { path: '/x/model.onnx' });
    expect(m.irVersion).toBe(8);
    expect(m.opset).toBe(11);
    expect(m.opsets).toEqual([{ domain: '', version: 11 }]);
    expect(m.metadata).toEqual({ author: 'me', preprocess: '{"preset":"imagenet"}' });
    expect(m.graph.inputs).toEqual([{ name: 'x', elemType: 1, shape: ['N', 3, 4, 4] }]);
    const n = m.graph.nodes[0]!;
    expect(n.opType).toBe('Clip');
    expect(n.name).toBe('clip');
    expect(n.attributes.get('max')?.f).toBe(6);
    expect(n.attributes.get('axes')?.ints).toEqual([-1, 2]);
    expect(n.attributes.get('mode')?.s).toBe('abc');
    expect(m.tensorShape('y')).toEqual(['N', 3, 4, 4]);
    expect(m.producer('y')).toBe(n);
    expect(m.consumers('x')).toEqual([n]);
  });

  it('decodes initializers lazily from raw_data and the typed fields', () => {
    const m = parseOnnxModel(tinyModel('gemm-transB0'));
    const w = m.initializer('fc.w')!;
    expect(w.dims).toEqual([K, C]);
    expect(w.storage).toBe('raw');
    const b = m.initializer('fc.b')!;
    expect(b.storage).toBe('typed');
    expect(Array.from(b.floats())).toEqual(Array.from(randomFloats(C, 6)));
    expect(w.floats().length).toBe(K * C);
    // a fresh copy each time: callers may mutate it
    const a1 = w.floats();
    a1[0] = 99;
    expect(w.floats()[0]).not.toBe(99);
  });

  it('reads int64 initializers (raw and typed, negative values)', () => {
    const m = parseOnnxModel(
      buildModel({
        inputs: [{ name: 'x', shape: [1] }],
        outputs: [{ name: 'y', shape: [1] }],
        nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
        initializers: [
          { name: 'a', dims: [3], data: [-1, 2, 2 ** 40], dataType: DataType.INT64 },
          { name: 'b', dims: [2], data: [-3, 4], dataType: DataType.INT64, as: 'typed' },
        ],
      }),
    );
    expect(m.initializer('a')!.ints()).toEqual([-1, 2, 2 ** 40]);
    expect(m.initializer('b')!.ints()).toEqual([-3, 4]);
    expect(() => m.initializer('a')!.floats()).not.toThrow();
  });

  it('names the file and the problem for garbage, truncation and empty input', () => {
    const good = tinyModel('gemm');
    expect(() => parseOnnxModel(new Uint8Array(0), { path: 'm.onnx' })).toThrow(/empty file/);
    const truncated = good.subarray(0, good.length - 7);
    try {
      parseOnnxModel(truncated, { path: 'm.onnx' });
      expect.fail('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ModelError);
      expect((e as ModelError).toOneLine()).toMatch(/^m\.onnx: truncated/);
    }
    const text = new TextEncoder().encode('{"this": "is json, not onnx"}');
    expect(() => parseOnnxModel(text, { path: 'x.onnx' })).toThrow(ModelError);
    expect(() => parseOnnxModel(text, { path: 'x.onnx' })).toThrow(/not an ONNX model/);
  });

  it('readOnnxModel refuses missing files and folders with ModelError', async () => {
    await expect(readOnnxModel(join(tmp, 'nope.onnx'))).rejects.toThrow(/no such file/);
    await expect(readOnnxModel(tmp)).rejects.toThrow(/is a folder/);
    const p = join(tmp, 'tiny.onnx');
    writeFileSync(p, tinyModel('gemm'));
    const m = await readOnnxModel(p);
    expect(m.path).toBe(p);
    expect(m.graph.outputs[0]!.name).toBe('logits');
  });
});

describe('external data', () => {
  const dir = join(tmp, 'ext');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  const data = randomFloats(6, 11);
  writeFileSync(join(dir, 'sub', 'weights.bin'), new Uint8Array([1, 2, 3, 4, ...rawBytes(data)]));
  writeFileSync(join(tmp, 'outside.bin'), rawBytes(data));
  symlinkSync(join(tmp, 'outside.bin'), join(dir, 'link.bin'));

  const model = (location: string, offset?: number, length?: number) => {
    const p = join(dir, `m-${Math.random().toString(36).slice(2)}.onnx`);
    writeFileSync(
      p,
      buildModel({
        inputs: [{ name: 'x', shape: [1] }],
        outputs: [{ name: 'y', shape: [1] }],
        nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
        initializers: [
          {
            name: 'w',
            dims: [2, 3],
            data: [],
            as: 'external',
            external: {
              location,
              ...(offset === undefined ? {} : { offset }),
              ...(length === undefined ? {} : { length }),
            },
          },
        ],
      }),
    );
    return readOnnxModel(p);
  };

  it('reads data at location/offset/length relative to the model folder', async () => {
    const m = await model('sub/weights.bin', 4, 24);
    const t = m.initializer('w')!;
    expect(t.storage).toBe('external');
    expect(Array.from(t.floats())).toEqual(Array.from(data));
  });

  it('refuses absolute locations, .. escapes and symlinks out of the folder', async () => {
    const abs = await model(join(dir, 'sub', 'weights.bin'));
    expect(() => abs.initializer('w')!.floats()).toThrow(ModelError);
    expect(() => abs.initializer('w')!.floats()).toThrow(/absolute/);
    const up = await model('../outside.bin');
    expect(() => up.initializer('w')!.floats()).toThrow(/outside the model's folder/);
    const link = await model('link.bin');
    expect(() => link.initializer('w')!.floats()).toThrow(/links outside/);
    const short = await model('sub/weights.bin', 20, 24);
    expect(() => short.initializer('w')!.floats()).toThrow(/truncated/);
    const missing = await model('sub/none.bin');
    expect(() => missing.initializer('w')!.floats()).toThrow(/cannot be read/);
  });

  it('refuses external data for models not read from a file', () => {
    const m = parseOnnxModel(
      buildModel({
        inputs: [{ name: 'x', shape: [1] }],
        outputs: [{ name: 'y', shape: [1] }],
        nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
        initializers: [{ name: 'w', dims: [1], data: [], as: 'external', external: { location: 'a.bin' } }],
      }),
    );
    expect(() => m.initializer('w')!.floats()).toThrow(/not read from a file/);
  });
});

describeWithTestBed('parseOnnxModel on the shared models', () => {
  // Its read time is measured in `pnpm bench startup` (model read), never in a test.
  it('parses the 47 MB ResNet-18 and reads an initializer', async () => {
    const m = await readOnnxModel(shared('models', 'untrained', 'resnet18.onnx'));
    expect(m.graph.initializerNames.length).toBeGreaterThan(20);
    const fc = m.initializer('fc.weight')!;
    expect(fc.dims).toEqual([1000, 512]);
    expect(fc.floats().length).toBe(512000);
  });

  it('reads the caffe2 SqueezeNet (IR 3, initializers listed as inputs)', async () => {
    const m = await readOnnxModel(shared('models', 'squeezenet1.1-imagenet.onnx'));
    expect(m.irVersion).toBe(3);
    expect(m.opset).toBe(7);
    expect(m.realInputs().map((i) => i.name)).toEqual(['data_0']);
    expect(m.tensorShape('data_0')).toEqual([1, 3, 224, 224]);
  });
});
