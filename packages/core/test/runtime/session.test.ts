import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { DeviceError, ModelError, UsageError } from '../../src/errors.js';
import {
  availableProviders,
  CUDA_INSTALL_HINT,
  createSession,
  parseDevice,
} from '../../src/runtime/index.js';
import { C, K, randomFloats, S, tinyModel } from '../onnx/builder.js';

const srcDir = join(import.meta.dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('onnxruntime-node is loaded lazily by one module', () => {
  it('only src/runtime/ort.ts mentions it, as a type import and a dynamic import', () => {
    const users = sources(srcDir).filter((f) => readFileSync(f, 'utf8').includes("'onnxruntime-node'"));
    expect(users.map((f) => f.slice(srcDir.length + 1))).toEqual([join('runtime', 'ort.ts')]);
    const text = readFileSync(users[0]!, 'utf8');
    const imports = text.split('\n').filter((l) => l.includes("'onnxruntime-node'"));
    for (const l of imports) expect(l).toMatch(/import type|await import\(|import\('onnxruntime-node'\)/);
  });
});

describe.each(['worker', 'main'] as const)('createSession (CPU, thread %s)', (thread) => {
  it('runs a dynamic-batch model in one call and reports the provider', async () => {
    const s = await createSession(tinyModel('gemm'), {
      device: 'cpu',
      intraOpThreads: 1,
      interOpThreads: 1,
      thread,
    });
    try {
      expect(s.provider).toBe('cpu');
      expect(s.thread).toBe(thread);
      expect(s.inputName).toBe('input');
      expect(s.inputShape).toEqual(['N', 3, S, S]);
      expect(s.fixedBatch).toBeNull();
      const out = await s.run(randomFloats(3 * 3 * S * S), 3);
      expect(out.logits!.dims).toEqual([3, C]);
      expect(out.logits!.data).toBeInstanceOf(Float32Array);
      await expect(s.run(new Float32Array(5), 1)).rejects.toThrow(UsageError);
      await expect(s.run(new Float32Array(3 * S * S), 0)).rejects.toThrow(/positive integer/);
    } finally {
      await s.release();
    }
    await s.release(); // idempotent
    await expect(s.run(new Float32Array(3 * S * S), 1)).rejects.toThrow(/released/);
  });

  it('auto falls back to CPU where CUDA is not installed', async () => {
    const s = await createSession(tinyModel('gemm'), { thread });
    const cuda = (await availableProviders()).find((p) => p.provider === 'cuda')!;
    expect(s.provider).toBe(cuda.installed ? expect.any(String) : 'cpu');
    await s.release();
  });

  it('splits a larger batch for a fixed-batch model, and matches single runs', async () => {
    const bytes = tinyModel('gemm', { batch: 1 });
    await using s = await createSession(bytes, { device: 'cpu', outputs: ['logits'], thread });
    expect(s.fixedBatch).toBe(1);
    const input = randomFloats(4 * 3 * S * S, 5);
    const all = await s.run(input, 4);
    expect(all.logits!.dims).toEqual([4, C]);
    for (let b = 0; b < 4; b++) {
      const one = await s.run(input.subarray(b * 3 * S * S, (b + 1) * 3 * S * S), 1);
      expect(Array.from(all.logits!.data.subarray(b * C, (b + 1) * C))).toEqual(Array.from(one.logits!.data));
    }
  });

  it('runs any batch size on a model fixed at 3: a short run filled with the last image, its rows dropped', async () => {
    await using s = await createSession(tinyModel('gemm', { batch: 3 }), { device: 'cpu', thread });
    expect(s.fixedBatch).toBe(3);
    const per = 3 * S * S;
    const input = randomFloats(5 * per, 11);
    // The reference: runs of exactly 3 made by hand, the missing rows copies of the last image.
    const rowsOf = async (images: number[]) => {
      const data = new Float32Array(3 * per);
      for (const [i, image] of images.entries())
        data.set(input.subarray(image * per, (image + 1) * per), i * per);
      return (await s.run(data, 3)).logits!.data;
    };
    const reference = [...(await rowsOf([0, 1, 2])), ...(await rowsOf([3, 4, 4]))].slice(0, 5 * C);
    for (const batch of [1, 2, 4, 5]) {
      const out = await s.run(input.subarray(0, batch * per), batch);
      expect(out.logits!.dims).toEqual([batch, C]);
      expect(Array.from(out.logits!.data)).toEqual(reference.slice(0, batch * C));
    }
  });

  it('fetches only the requested outputs and refuses unknown ones', async () => {
    await expect(
      createSession(tinyModel('gemm'), { device: 'cpu', outputs: ['features'], thread }),
    ).rejects.toThrow(/'features' is not an output/);
  });

  it('refuses invalid device strings', async () => {
    expect(() => parseDevice('gpu')).toThrow(/unknown device 'gpu'.*/);
    expect(parseDevice('cuda')).toBe('cuda');
    // biome-ignore lint/suspicious/noExplicitAny: testing a bad value from untyped callers
    await expect(createSession(tinyModel('gemm'), { device: 'tpu' as any, thread })).rejects.toThrow(
      UsageError,
    );
  });

  it("explicit 'cuda' without the provider installed is a DeviceError saying how to install it", async () => {
    const cuda = (await availableProviders()).find((p) => p.provider === 'cuda')!;
    if (cuda.installed) return; // a machine with the CUDA provider: nothing to check here
    const e = await createSession(tinyModel('gemm'), { device: 'cuda', thread, file: 'tiny.onnx' }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DeviceError);
    const err = e as DeviceError;
    expect(err.code).toBe('E_DEVICE');
    expect(err.file).toBe('tiny.onnx');
    expect(err.message).toMatch(/CUDA execution provider is not installed/);
    expect(err.hint).toBe(CUDA_INSTALL_HINT);
    expect(err.hint).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(err.hint).toMatch(/approve-builds|onlyBuiltDependencies/);
  });

  it("'webgpu' is tried for real; a failure becomes a DeviceError", async () => {
    try {
      const s = await createSession(tinyModel('gemm'), { device: 'webgpu', thread });
      expect(s.provider).toBe('webgpu');
      await s.release();
    } catch (e) {
      expect(e).toBeInstanceOf(DeviceError);
      expect((e as DeviceError).code).toBe('E_DEVICE');
      expect((e as DeviceError).message).toMatch(/webgpu/);
      expect((e as DeviceError).hint).toMatch(/`device: cpu`/);
    }
  });

  it('bad model bytes give a ModelError, not a crash', async () => {
    const e = await createSession(new Uint8Array([8, 1, 1, 2, 3]), {
      device: 'cpu',
      thread,
      file: 'bad.onnx',
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).code).toBe('E_MODEL_FORMAT');
    expect((e as ModelError).file).toBe('bad.onnx');
    expect((e as ModelError).message).toMatch(/onnxruntime cannot load the model/);
    expect((e as ModelError).cause).toBeInstanceOf(Error);
  });
});

for (const thread of ['worker', 'main'] as const) {
  describeWithTestBed(`createSession on the shared models (thread ${thread})`, () => {
    it('SqueezeNet caffe2 is fixed at batch 1 and splits batches of 3', async () => {
      await using s = await createSession(shared('models', 'squeezenet1.1-imagenet.onnx'), {
        device: 'cpu',
        thread,
      });
      expect(s.fixedBatch).toBe(1);
      expect(s.inputName).toBe('data_0');
      const per = 3 * 224 * 224;
      const input = randomFloats(3 * per, 31);
      const out = await s.run(input, 3);
      expect(out.softmaxout_1!.dims).toEqual([3, 1000, 1, 1]);
      const second = await s.run(input.subarray(per, 2 * per), 1);
      expect(Array.from(out.softmaxout_1!.data.subarray(1000, 2000))).toEqual(
        Array.from(second.softmaxout_1!.data),
      );
    });

    it('a dynamic-batch model runs a batch in one call', async () => {
      await using s = await createSession(shared('models', 'mobilenetv1-0.25-128-imagenet.onnx'), {
        device: 'cpu',
        thread,
      });
      expect(s.fixedBatch).toBeNull();
      const out = await s.run(randomFloats(5 * 3 * 128 * 128), 5);
      expect(out.logits!.dims).toEqual([5, 1000]);
    });
  });
}

describe('K is the tiny feature size', () => {
  it('is consistent', () => expect(K).toBe(4));
});
