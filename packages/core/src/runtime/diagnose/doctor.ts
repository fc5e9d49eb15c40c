/**
 * `cam-localize doctor`: can this machine run a session on each provider, and if not, why not and
 * what fixes it. Every provider is tried for real (a session in a child process); the CUDA and
 * WebGPU checks say which piece is missing. Safe to run anywhere: nothing here can crash the caller.
 */
import { availableParallelism } from 'node:os';
import { jpegDecoder } from '../../image/jpeg-wasm.js';
import { ioThreadPoolSize } from '../../pipeline/io-threads.js';
import { defaultPoolSize } from '../../pipeline/task-pool.js';
import { resizeEngine } from '../../wasm/kernels.js';
import { deviceSpec } from '../device.js';
import { loadOrt, ortBinaryFolder, ortPackageFolder, ortPackageVersion } from '../ort.js';
import type { Device, Provider } from '../types.js';
import { type CudaProviderCheck, checkCudaProvider } from './cuda.js';
import { checkVulkanStack, type NvidiaSmi, queryNvidiaSmi, type VulkanStack } from './gpu-host.js';
import { probeSession, type SessionProbe } from './session-probe.js';

export interface ProviderReport {
  readonly provider: Provider;
  readonly available: boolean;
  /** One line: why it is available or missing. */
  readonly reason: string;
  /** onnxruntime-node's listSupportedBackends names it. */
  readonly listed: boolean;
  /** The real session start (null when it was not tried: not listed, or the provider file is missing). */
  readonly session: SessionProbe | null;
  readonly problems: string[];
  /** Exact commands or variables that fix the problems. */
  readonly fixes: string[];
}

export interface DoctorReport {
  readonly requested: Device;
  /** Whether the requested device would work (auto: always, it falls back to CPU). */
  readonly ok: boolean;
  /** One line: what the requested device would get, and why. */
  readonly verdict: string;
  readonly node: { version: string; platform: string; arch: string };
  /**
   * The CPU side of a pipeline: cores, the default number of decode workers, and libuv's thread
   * pool, which runs every decode (see pipeline/io-threads.ts; UV_THREADPOOL_SIZE, 4 unless set).
   */
  readonly threads: { cores: number; decodeWorkers: number; ioThreadPool: number };
  /** Who decodes plain JPEGs and who resizes (WebAssembly, unless switched off or not loadable). */
  readonly images: { jpegDecoder: string; resize: string };
  readonly onnxruntimeNode: {
    version: string | null;
    folder: string | null;
    binaries: string | null;
    error: string | null;
  };
  readonly providers: ProviderReport[];
  readonly cuda: CudaProviderCheck | null;
  readonly nvidiaSmi: NvidiaSmi;
  readonly vulkan: VulkanStack | null;
  readonly environment: Record<string, string | null>;
}

const ENV_SHOWN = [
  'LD_LIBRARY_PATH',
  'CUDA_VISIBLE_DEVICES',
  'ONNXRUNTIME_NODE_INSTALL',
  'VK_DRIVER_FILES',
  'VK_ICD_FILENAMES',
  'NVIDIA_DRIVER_CAPABILITIES',
];

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}

function sessionReason(p: SessionProbe): string {
  return p.ok
    ? `a session started and ran (${p.seconds.toFixed(1)} s)`
    : `the session did not start: ${p.error}`;
}

/** The CUDA provider: listed, installed with its libraries, a GPU and a driver new enough, a session. */
function cudaReport(
  listed: ReadonlySet<string>,
  linuxBinaries: string | null,
  spec: ReturnType<typeof deviceSpec>,
  nvidiaSmi: ReturnType<typeof queryNvidiaSmi>,
): { cuda: ProviderReport; cudaCheck: ReturnType<typeof checkCudaProvider> | null } {
  const cudaCheck = linuxBinaries !== null ? checkCudaProvider(linuxBinaries) : null;
  const cudaReady = listed.has('cuda') && (cudaCheck?.providerPresent ?? true);
  const cudaSession = cudaReady ? probeSession('cuda', spec.kind === 'cuda' ? spec.deviceId : null) : null;
  const cudaProblems = [...(cudaCheck?.problems ?? [])];
  const cudaFixes = [...(cudaCheck?.fixes ?? [])];
  if (!listed.has('cuda')) cudaProblems.unshift('this onnxruntime-node build lists no CUDA provider');
  if (nvidiaSmi.gpus === null) {
    cudaProblems.push(`no NVIDIA GPU seen (nvidia-smi: ${nvidiaSmi.error})`);
  } else if (cudaCheck?.cudaMajor != null && nvidiaSmi.driverCuda !== null) {
    if (Number.parseInt(nvidiaSmi.driverCuda, 10) < cudaCheck.cudaMajor) {
      cudaProblems.push(
        `the driver supports CUDA ${nvidiaSmi.driverCuda}; the provider needs CUDA ${cudaCheck.cudaMajor}`,
      );
      cudaFixes.push(`update the NVIDIA driver to one that supports CUDA ${cudaCheck.cudaMajor}`);
    }
  }
  const cuda: ProviderReport = {
    provider: 'cuda',
    listed: listed.has('cuda'),
    available: cudaSession?.ok === true,
    reason:
      cudaSession !== null
        ? sessionReason(cudaSession)
        : (cudaProblems[0] ?? 'the CUDA provider is not installed'),
    session: cudaSession,
    problems: cudaSession?.ok === true ? [] : cudaProblems,
    fixes: cudaSession?.ok === true ? [] : cudaFixes,
  };
  return { cuda, cudaCheck };
}

/** The WebGPU provider: listed, a session, and on Linux the Vulkan stack it needs. */
function webgpuReport(
  listed: ReadonlySet<string>,
  linux: boolean,
  nvidiaSmi: ReturnType<typeof queryNvidiaSmi>,
): { webgpu: ProviderReport; vulkan: ReturnType<typeof checkVulkanStack> | null } {
  const vulkan = linux ? checkVulkanStack(nvidiaSmi.gpus !== null && nvidiaSmi.gpus.length > 0) : null;
  const webgpuSession = listed.has('webgpu') ? probeSession('webgpu') : null;
  const webgpu: ProviderReport = {
    provider: 'webgpu',
    listed: listed.has('webgpu'),
    available: webgpuSession?.ok === true,
    reason:
      webgpuSession === null
        ? 'this onnxruntime-node build lists no WebGPU provider'
        : sessionReason(webgpuSession),
    session: webgpuSession,
    problems: webgpuSession?.ok === true ? [] : (vulkan?.problems ?? []),
    fixes:
      webgpuSession?.ok === true
        ? []
        : (vulkan?.fixes ?? ['WebGPU needs a GPU with Vulkan/Metal/D3D12 drivers']),
  };
  return { webgpu, vulkan };
}

/** Checks every provider; `device` (default auto) decides `ok`. */
export async function runDoctor(options: { device?: string } = {}): Promise<DoctorReport> {
  const spec = deviceSpec(options.device ?? 'auto');
  const requested = (spec.deviceId === null ? spec.kind : `${spec.kind}:${spec.deviceId}`) as Device;
  let listed = new Set<string>();
  let loadError: string | null = null;
  try {
    listed = new Set((await loadOrt()).listSupportedBackends().map((b) => b.name));
  } catch (e) {
    loadError = `${firstLine(e)}${e instanceof Error && e.cause !== undefined ? `: ${firstLine(e.cause)}` : ''}`;
  }
  const binaries = ortBinaryFolder() ?? null;
  const linux = process.platform === 'linux';

  const cpuSession = loadError === null ? probeSession('cpu') : null;
  const cpu: ProviderReport = {
    provider: 'cpu',
    listed: listed.has('cpu'),
    available: cpuSession?.ok === true,
    reason:
      cpuSession === null ? `onnxruntime-node cannot be loaded: ${loadError}` : sessionReason(cpuSession),
    session: cpuSession,
    problems: cpuSession?.ok === true ? [] : ['onnxruntime-node does not run here'],
    fixes: cpuSession?.ok === true ? [] : ['reinstall the dependencies (pnpm install --frozen-lockfile)'],
  };

  const nvidiaSmi = queryNvidiaSmi();
  const { cuda, cudaCheck } = cudaReport(listed, linux ? binaries : null, spec, nvidiaSmi);
  const { webgpu, vulkan } = webgpuReport(listed, linux, nvidiaSmi);

  const providers = [cpu, cuda, webgpu];
  const target = spec.kind === 'auto' ? null : providers.find((p) => p.provider === spec.kind)!;
  const ok = target === null ? cpu.available : target.available;
  const verdict =
    target === null
      ? cuda.available
        ? 'auto would use cuda'
        : cpu.available
          ? `auto would use cpu: cuda is missing (${cuda.reason})`
          : `nothing runs: ${cpu.reason}`
      : `${requested} ${ok ? 'would work' : `would NOT work: ${target.reason}`}`;
  const environment: Record<string, string | null> = {};
  for (const k of ENV_SHOWN) environment[k] = process.env[k] ?? null;
  return {
    requested,
    ok,
    verdict,
    node: { version: process.version, platform: process.platform, arch: process.arch },
    threads: {
      cores: availableParallelism(),
      decodeWorkers: defaultPoolSize(),
      ioThreadPool: ioThreadPoolSize(),
    },
    images: { jpegDecoder: await jpegDecoder(), resize: resizeEngine() },
    onnxruntimeNode: {
      version: ortPackageVersion(),
      folder: ortPackageFolder() ?? null,
      binaries,
      error: loadError,
    },
    providers,
    cuda: cudaCheck,
    nvidiaSmi,
    vulkan,
    environment,
  };
}
