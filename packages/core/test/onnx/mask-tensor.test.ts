/**
 * The mask on a feature tensor (Ablation-CAM's graph edit), run in real onnxruntime sessions on
 * tiny models built in code: an all-ones mask changes nothing, a zero removes exactly that channel
 * (checked against hand computations), and every byte that is not the edit is kept.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { addGraphOutputs } from '../../src/onnx/add-outputs.js';
import { maskTensor } from '../../src/onnx/mask-tensor.js';
import { parseOnnxModel, readOnnxModel } from '../../src/onnx/read-model.js';
import { createSession } from '../../src/runtime/session.js';
import type { ExtraInput, ModelSession } from '../../src/runtime/types.js';
import { tinyVit, tinyVitForward, VIT } from '../head/tiny-vit.js';
import { buildModel, C, K, randomFloats, rawBytes, S, tinyModel, tinyWeights } from './builder.js';

const sessions: ModelSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
});

async function open(bytes: Uint8Array): Promise<ModelSession> {
  const session = await createSession(bytes, { device: 'cpu', thread: 'main' });
  sessions.push(session);
  return session;
}

/** Masks for `count` copies, copy i zeroing channel zeroed[i] (-1: none). */
function masks(channels: number, zeroed: readonly number[]): Float32Array {
  const out = new Float32Array(zeroed.length * channels).fill(1);
  zeroed.forEach((k, i) => {
    if (k >= 0) out[i * channels + k] = 0;
  });
  return out;
}

function repeat(input: Float32Array, count: number): Float32Array {
  const out = new Float32Array(input.length * count);
  for (let i = 0; i < count; i++) out.set(input, i * input.length);
  return out;
}

describe('maskTensor on a CNN feature map [N,K,h,w]', () => {
  const model = parseOnnxModel(addGraphOutputs(parseOnnxModel(tinyModel('gemm')), ['features']));
  const masked = maskTensor(model, 'features', K, 'channels-first');
  const input = randomFloats(3 * S * S, 21);

  it('adds the mask input and a Mul right after the producer, which now writes the raw tensor', () => {
    const edited = parseOnnxModel(masked.bytes);
    expect(masked.maskInput).toBe('features__ablation_mask');
    expect(masked.maskDims(3)).toEqual([3, K, 1, 1]);
    expect(edited.realInputs().map((i) => [i.name, i.shape])).toEqual([
      ['input', ['N', 3, S, S]],
      ['features__ablation_mask', ['N', K, 1, 1]],
    ]);
    const ops = edited.graph.nodes.map((n) => `${n.opType}(${n.inputs.join(',')})->${n.outputs.join(',')}`);
    const original = model.graph.nodes.map(
      (n) => `${n.opType}(${n.inputs.join(',')})->${n.outputs.join(',')}`,
    );
    expect(ops).toEqual([
      original[0],
      'Relu(conv)->features__ablation_raw',
      'Mul(features__ablation_raw,features__ablation_mask)->features',
      ...original.slice(2),
    ]);
    // Both graph occurrences (the original and the appended outputs) survive the rewrite.
    expect(edited.graph.outputs.map((o) => o.name)).toEqual(['logits', 'features']);
    expect(edited.graph.initializerNames).toEqual(model.graph.initializerNames);
    expect(Array.from(edited.initializer('fc.w')!.floats())).toEqual(
      Array.from(model.initializer('fc.w')!.floats()),
    );
  });

  it('an all-ones mask gives the original outputs exactly', async () => {
    const plain = await open(model.bytes);
    const session = await open(masked.bytes);
    const before = await plain.run(repeat(input, 2), 2);
    const extra: Record<string, ExtraInput> = {
      [masked.maskInput]: { data: masks(K, [-1, -1]), dims: masked.maskDims(2) },
    };
    const after = await session.run(repeat(input, 2), 2, { extra });
    expect(Array.from(after.logits!.data)).toEqual(Array.from(before.logits!.data));
    expect(Array.from(after.features!.data)).toEqual(Array.from(before.features!.data));
  });

  it('a zero at channel k gives the head applied to the features without channel k', async () => {
    const plain = await open(model.bytes);
    const session = await open(masked.bytes);
    const features = (await plain.run(input, 1)).features!.data;
    const zeroed = [-1, 0, 1, 2, 3];
    const extra = { [masked.maskInput]: { data: masks(K, zeroed), dims: masked.maskDims(zeroed.length) } };
    const out = await session.run(repeat(input, zeroed.length), zeroed.length, { extra });
    const { W, B } = tinyWeights();
    for (const [copy, k] of zeroed.entries()) {
      for (let c = 0; c < C; c++) {
        let logit = B[c]!;
        for (let j = 0; j < K; j++) {
          if (j === k) continue;
          let mean = 0;
          for (let p = 0; p < S * S; p++) mean += features[j * S * S + p]! / (S * S);
          logit += W[c * K + j]! * mean;
        }
        expect(out.logits!.data[copy * C + c]).toBeCloseTo(logit, 5);
      }
      const plane = out.features!.data.subarray(copy * K * S * S, (copy + 1) * K * S * S);
      for (let j = 0; j < K; j++) {
        const channel = plane.subarray(j * S * S, (j + 1) * S * S);
        if (j === k) expect(channel.every((v) => v === 0)).toBe(true);
        else expect(Array.from(channel)).toEqual(Array.from(features.subarray(j * S * S, (j + 1) * S * S)));
      }
    }
  });
});

describe('maskTensor on token features [N,T,C]', () => {
  const model = parseOnnxModel(tinyVit());
  const input = randomFloats(3 * VIT.size * VIT.size, 22);
  const zeroed = [-1, 0, 3, 5];

  for (const tensor of ['tokens', 'sequence'] as const) {
    // 'sequence' has two consumers (the block's MatMul and its residual Add): both read the product.
    it(`zeroing channel k of '${tensor}' in every token gives the twin's logits with that channel zeroed`, async () => {
      const masked = maskTensor(model, tensor, VIT.channels, 'tokens');
      expect(masked.maskDims(4)).toEqual([4, 1, VIT.channels]);
      const session = await open(masked.bytes);
      const extra = {
        [masked.maskInput]: { data: masks(VIT.channels, zeroed), dims: masked.maskDims(zeroed.length) },
      };
      const out = await session.run(repeat(input, zeroed.length), zeroed.length, { extra });
      for (const [copy, k] of zeroed.entries()) {
        const { logits } = tinyVitForward(input, k < 0 ? undefined : { tensor, channel: k });
        for (let c = 0; c < VIT.classes; c++)
          expect(out.logits!.data[copy * VIT.classes + c]).toBeCloseTo(logits[c]!, 4);
      }
    });
  }
});

describe('maskTensor keeps what it does not edit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cam-mask-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies external-data references and metadata verbatim', async () => {
    const weights = randomFloats(4, 31);
    writeFileSync(join(dir, 'w.bin'), rawBytes(weights));
    const file = join(dir, 'ext.onnx');
    writeFileSync(
      file,
      buildModel({
        inputs: [{ name: 'x', shape: ['N', 4] }],
        outputs: [{ name: 'y', shape: ['N', 4] }],
        nodes: [
          { op: 'Relu', inputs: ['x'], outputs: ['h'] },
          { op: 'Add', inputs: ['h', 'w'], outputs: ['y'] },
        ],
        initializers: [{ name: 'w', dims: [4], data: [], as: 'external', external: { location: 'w.bin' } }],
        metadata: { note: 'kept' },
      }),
    );
    const model = await readOnnxModel(file);
    const edited = parseOnnxModel(maskTensor(model, 'h', 4, 'tokens').bytes, { path: file });
    expect(edited.metadata).toEqual({ note: 'kept' });
    expect(edited.initializer('w')!.storage).toBe('external');
    expect(Array.from(edited.initializer('w')!.floats())).toEqual(Array.from(weights));
  });

  it('refuses a tensor no node computes, a non-float tensor and a taken name', () => {
    const model = parseOnnxModel(tinyModel('gemm'));
    expect(() => maskTensor(model, 'input', 3, 'channels-first')).toThrow(ModelError);
    expect(() => maskTensor(model, 'fc.w', 3, 'channels-first')).toThrow(/no node of the graph computes it/);
    const typed = parseOnnxModel(
      buildModel({
        inputs: [{ name: 'x', shape: [1] }],
        outputs: [{ name: 'y', shape: [1] }],
        valueInfo: [{ name: 'i', shape: [1], elemType: 7 }],
        nodes: [
          { op: 'Cast', inputs: ['x'], outputs: ['i'], attrs: { to: { i: 7 } } },
          { op: 'Cast', inputs: ['i'], outputs: ['y'], attrs: { to: { i: 1 } } },
        ],
      }),
    );
    expect(() => maskTensor(typed, 'i', 1, 'tokens')).toThrow(/not float32/);
    const clash = parseOnnxModel(
      buildModel({
        inputs: [{ name: 'x', shape: [1] }],
        outputs: [{ name: 'y', shape: [1] }],
        nodes: [
          { op: 'Relu', inputs: ['x'], outputs: ['h'] },
          { op: 'Relu', inputs: ['h'], outputs: ['h__ablation_raw'] },
          { op: 'Identity', inputs: ['h__ablation_raw'], outputs: ['y'] },
        ],
      }),
    );
    expect(() => maskTensor(clash, 'h', 1, 'tokens')).toThrow(/the name 'h__ablation_raw' is taken/);
  });
});
