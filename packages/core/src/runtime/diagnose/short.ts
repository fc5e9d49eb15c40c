/**
 * The short form of the doctor's diagnosis, for the error of `--device cuda|webgpu` and for
 * `auto`'s reason: what is missing and the command that fixes it, in one line.
 */
import { ortBinaryFolder } from '../ort.js';
import { CUDA_PROVIDER_FILE, type CudaProviderCheck, checkCudaProvider, libraryPathFix } from './cuda.js';
import { checkVulkanStack, queryNvidiaSmi } from './gpu-host.js';

const MORE = 'run `cam-localize doctor --device cuda` for the full check, or use `device: cpu`';

/** Why an installed CUDA provider may not start: release mismatch, libraries that do not resolve. */
export function shortCudaDiagnosis(): string {
  const folder = ortBinaryFolder();
  if (process.platform !== 'linux' || folder === undefined) {
    return `check the NVIDIA driver (nvidia-smi) and the CUDA and cuDNN libraries the provider needs; ${MORE}`;
  }
  try {
    return `${summarizeCudaCheck(checkCudaProvider(folder))}; ${MORE}`;
  } catch (e) {
    return `the provider could not be checked (${(e as Error).message}); ${MORE}`;
  }
}

/** One line from a full check: each problem with its fix, the install commands left to doctor. */
export function summarizeCudaCheck(c: CudaProviderCheck): string {
  const parts: string[] = [];
  if (!c.providerPresent) parts.push(`no ${CUDA_PROVIDER_FILE} in ${c.folder}`);
  if (c.releaseMatch === false) {
    parts.push(
      `the provider is from ONNX Runtime ${c.providerReleases.join('/')} but libonnxruntime is ${c.ortRelease}: install the provider of ${c.ortRelease}`,
    );
  }
  const missing = c.needed.filter((n) => !n.resolves);
  if (missing.length > 0) {
    const cuda = c.cudaMajor === null ? 'CUDA' : `CUDA ${c.cudaMajor}`;
    parts.push(
      `the provider (${cuda}) needs ${missing.map((m) => m.name).join(', ')}, not found by the loader`,
    );
    const found = [...new Set(missing.map((m) => m.foundIn).filter((f): f is string => f !== null))];
    if (found.length > 0) parts.push(`fix: ${libraryPathFix(found)}`);
    if (missing.some((m) => m.foundIn === null && !m.name.startsWith('libcuda.so'))) {
      parts.push(
        `put the ${cuda} and cuDNN 9 library folders (system CUDA, or a PyTorch install's site-packages/nvidia/*/lib) on LD_LIBRARY_PATH`,
      );
    }
    if (missing.some((m) => m.name.startsWith('libcuda.so')))
      parts.push('libcuda.so.1 comes with the NVIDIA driver');
  }
  if (parts.length === 0) {
    const cuda = c.cudaMajor === null ? '' : ` (CUDA ${c.cudaMajor} libraries all resolve)`;
    parts.push(
      `the provider's files look complete${cuda}: check the NVIDIA driver and the GPU id (nvidia-smi)`,
    );
  }
  return parts.join('; ');
}

/** What WebGPU needs (on Linux: the Vulkan loader, the GL dispatch libraries and the NVIDIA ICD). */
export function shortWebGpuAdvice(): string {
  const base = 'WebGPU needs a GPU with Vulkan/Metal/D3D12 drivers';
  const tail =
    'run `cam-localize doctor --device webgpu` for the full check, or use `device: cpu` or `device: cuda`';
  if (process.platform !== 'linux') return `${base}; ${tail}`;
  try {
    const gpus = queryNvidiaSmi().gpus;
    const v = checkVulkanStack(gpus !== null && gpus.length > 0);
    return v.problems.length === 0
      ? `${base} (Vulkan loader, GL libraries and an NVIDIA ICD are present); ${tail}`
      : `${base}: ${v.problems.join('; ')}; fix: ${v.fixes.join('; ')}; ${tail}`;
  } catch {
    return `${base}; ${tail}`;
  }
}
