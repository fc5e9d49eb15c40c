import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ESM_BIN, runCli } from '../cli-process.js';

interface Report {
  requested: string;
  ok: boolean;
  verdict: string;
  node: { version: string };
  onnxruntimeNode: { version: string | null };
  providers: { provider: string; available: boolean; reason: string; problems: string[]; fixes: string[] }[];
  nvidiaSmi: { gpus: string[] | null };
  threads: { cores: number; decodeWorkers: number; ioThreadPool: number };
  images: { jpegDecoder: string; resize: string };
}

describe('cam-localize doctor', () => {
  it('--json --device cpu: exit 0; each provider with a reason; cuda and webgpu missing here with fixes', async () => {
    const r = await runCli(['doctor', '--json', '--device', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.requested).toBe('cpu');
    expect(report.ok).toBe(true);
    expect(report.node.version).toBe(process.version);
    expect(report.onnxruntimeNode.version).toMatch(/^\d+\.\d+\.\d+$/);
    const byName = Object.fromEntries(report.providers.map((p) => [p.provider, p]));
    expect(Object.keys(byName)).toEqual(['cpu', 'cuda', 'webgpu']);
    expect(byName.cpu!.available).toBe(true);
    expect(byName.cpu!.reason).toMatch(/a session started and ran/);
    // The WebAssembly image path loads here (the committed resize.wasm, @jsquash/jpeg's decoder).
    expect(report.images).toEqual({
      jpegDecoder: 'WebAssembly (mozjpeg), sharp for the rest',
      resize: 'WebAssembly SIMD',
    });
    if (report.nvidiaSmi.gpus === null) {
      // A machine without a GPU (this one): both GPU providers missing, each saying why and what fixes it.
      expect(byName.cuda!.available).toBe(false);
      expect(byName.cuda!.reason.length).toBeGreaterThan(10);
      expect(byName.cuda!.problems.join('\n')).toMatch(/libonnxruntime_providers_cuda.so|nvidia-smi/);
      expect(byName.cuda!.fixes.join('\n')).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12|LD_LIBRARY_PATH/);
      expect(byName.webgpu!.available).toBe(false);
      expect(byName.webgpu!.reason).toMatch(/did not start|no WebGPU provider/);
    }
  });

  it('--device cuda: exit 1 where CUDA would not work, with the reason in the verdict', async () => {
    const r = await runCli(['doctor', '--device', 'cuda']);
    const cudaWorks = /^\s+cuda\s+available/m.test(r.stdout);
    expect(r.code, r.stderr).toBe(cudaWorks ? 0 : 1);
    expect(r.stdout).toMatch(/^cam-localize doctor: cuda would/);
    expect(r.stdout).toMatch(/^\s+provider\s+status\s+why$/m);
    expect(r.stdout).toMatch(/^\s+cpu\s+available\s+a session started/m);
    if (!cudaWorks) {
      expect(r.stdout).toMatch(/cuda would NOT work: /);
      expect(r.stdout).toMatch(/^To fix$/m);
    }
  });

  it('refuses a bad device (exit 2), and webgpu:N because onnxruntime-node cannot pick an adapter', async () => {
    const bad = await runCli(['doctor', '--device', 'gpu']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown device 'gpu'.*cuda:N/);
    const webgpuN = await runCli(['doctor', '--device', 'webgpu:1']);
    expect(webgpuN.code).toBe(2);
    expect(webgpuN.stderr).toMatch(/cannot choose a WebGPU adapter/);
  });

  // libuv's pool runs every decode of every worker and is sized at its first use, so the entry
  // must size it before anything starts it; the doctor reports the size the process runs with.
  it('sizes libuv thread pool above the decode workers, through either entry; a user value stands', async () => {
    const cores = availableParallelism();
    const expected = Math.max(4, cores + 4);
    for (const bin of [undefined, ESM_BIN]) {
      const r = await runCli(['doctor', '--json', '--device', 'cpu'], {
        env: { UV_THREADPOOL_SIZE: undefined },
        ...(bin === undefined ? {} : { bin }),
      });
      expect(r.code, r.stderr).toBe(0);
      const { threads } = JSON.parse(r.stdout) as Report;
      expect(threads).toEqual({ cores, decodeWorkers: Math.max(2, cores - 1), ioThreadPool: expected });
      expect(threads.ioThreadPool).toBeGreaterThan(threads.decodeWorkers);
    }
    const given = await runCli(['doctor', '--device', 'cpu'], { env: { UV_THREADPOOL_SIZE: '3' } });
    expect(given.stdout).toMatch(/^\s+CPU threads\s+\d+ cores; \d+ decode workers by default; libuv pool 3/m);
    if (cores > 4) expect(given.stdout).toMatch(/fewer than the workers: set UV_THREADPOOL_SIZE/);
  });

  it('names the image path in force: the JS resize and sharp when switched to them', async () => {
    const r = await runCli(['doctor', '--device', 'cpu'], {
      env: { CAM_LOCALIZE_RESIZE: 'js', CAM_LOCALIZE_JPEG_DECODER: 'sharp' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\s+JPEG decoder\s+sharp \(CAM_LOCALIZE_JPEG_DECODER=sharp\)$/m);
    expect(r.stdout).toMatch(/^\s+resize\s+JS passes \(CAM_LOCALIZE_RESIZE=js\)$/m);
  });
});
