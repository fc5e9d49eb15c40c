/**
 * The short form of the doctor's diagnosis, for the error of `--device cuda|webgpu` and for
 * `auto`'s reason: what is missing and the command that fixes it, in one line.
 */
import { ortBinaryFolder } from '../ort.js';
import { checkCudaProvider } from './cuda.js';
import { checkVulkanStack, queryNvidiaSmi } from './gpu-host.js';

const MORE = 'run `cam-localize doctor --device cuda` for the full check, or use --device cpu';

/** Why an installed CUDA provider may not start: release mismatch, libraries that do not resolve. */
export function shortCudaDiagnosis(): string {
  const folder = ortBinaryFolder();
  if (process.platform !== 'linux' || folder === undefined) {
    return `check the NVIDIA driver (nvidia-smi) and the CUDA and cuDNN libraries the provider needs; ${MORE}`;
  }
  try {
    const c = checkCudaProvider(folder);
    if (c.problems.length === 0) {
      const cuda = c.cudaMajor === null ? '' : ` (CUDA ${c.cudaMajor} libraries all resolve)`;
      return `the provider's files look complete${cuda}: check the NVIDIA driver and the GPU id (nvidia-smi); ${MORE}`;
    }
    return `${c.problems.join('; ')}; fix: ${c.fixes.join('; ')}; ${MORE}`;
  } catch (e) {
    return `the provider could not be checked (${(e as Error).message}); ${MORE}`;
  }
}

/** What WebGPU needs (on Linux: the Vulkan loader, the GL dispatch libraries and the NVIDIA ICD). */
export function shortWebGpuAdvice(): string {
  const base = 'WebGPU needs a GPU with Vulkan/Metal/D3D12 drivers';
  const tail = 'run `cam-localize doctor --device webgpu` for the full check, or use --device cpu or cuda';
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
