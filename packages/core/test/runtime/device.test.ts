/** Device strings (one validation, cuda:N) and the reason a session reports for its provider. */
import { describe, expect, it } from 'vitest';
import { DeviceError, UsageError } from '../../src/errors.js';
import { availableProviders, createSession, deviceSpec, parseDevice } from '../../src/runtime/index.js';
import { tinyModel } from '../onnx/builder.js';

describe('parseDevice / deviceSpec', () => {
  it('accepts auto, cpu, cuda, webgpu and cuda:N', () => {
    for (const d of ['auto', 'cpu', 'cuda', 'webgpu', 'cuda:0', 'cuda:3']) expect(parseDevice(d)).toBe(d);
    expect(deviceSpec('cuda:2')).toEqual({ kind: 'cuda', deviceId: 2 });
    expect(deviceSpec('cuda')).toEqual({ kind: 'cuda', deviceId: null });
  });

  it('refuses ids on anything but cuda, saying why', () => {
    expect(() => parseDevice('webgpu:1')).toThrow(/cannot choose a WebGPU adapter/);
    expect(() => parseDevice('cpu:0')).toThrow(/only cuda takes a device id/);
    expect(() => parseDevice('cuda:-1')).toThrow(UsageError);
    expect(() => parseDevice('cuda:x')).toThrow(/unknown device 'cuda:x'/);
  });
});

describe('deviceChoice', () => {
  it('says what was asked, what was picked and why', async () => {
    await using cpu = await createSession(tinyModel('gemm'), { device: 'cpu', thread: 'main' });
    expect(cpu.deviceChoice).toEqual({ requested: 'cpu', provider: 'cpu', reason: 'cpu as requested' });
    const cuda = (await availableProviders()).find((p) => p.provider === 'cuda')!;
    await using auto = await createSession(tinyModel('gemm'));
    expect(auto.deviceChoice.requested).toBe('auto');
    if (!cuda.installed) {
      expect(auto.deviceChoice.provider).toBe('cpu');
      expect(auto.deviceChoice.reason).toBe('auto: cpu (CUDA provider not installed)');
      expect(auto.deviceChoice.detail).toBe(cuda.detail);
    }
  });

  it("'cuda:N' without the provider is the same DeviceError as 'cuda'", async () => {
    const cuda = (await availableProviders()).find((p) => p.provider === 'cuda')!;
    if (cuda.installed) return;
    const e = await createSession(tinyModel('gemm'), { device: 'cuda:1' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as DeviceError).message).toMatch(/CUDA execution provider is not installed/);
  });
});
