/**
 * Which execution providers onnxruntime-node offers here, and the errors and advice when one is
 * missing or fails to start (the short form of `cam-localize doctor`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceError } from '../errors.js';
import { shortCudaDiagnosis, shortWebGpuAdvice } from './diagnose/short.js';
import { loadOrt, ortBinaryFolder } from './ort.js';
import type { Provider, ProviderAvailability } from './types.js';

export function cudaProviderFile(): string {
  return process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
}

/** The hint for a missing CUDA provider: onnxruntime-node's install script and its flag. */
export const CUDA_INSTALL_HINT =
  'onnxruntime-node downloads its CUDA provider in its install script, which pnpm does not run by default: ' +
  'allow it (`pnpm approve-builds`, or add onnxruntime-node to onlyBuiltDependencies in pnpm-workspace.yaml), ' +
  'then run it with the CUDA flag: `ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm rebuild onnxruntime-node` ' +
  '(npm: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`); it needs network access to nuget.org. ' +
  'Offline: copy libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so of the same ONNX Runtime ' +
  'release as libonnxruntime.so.1 beside it. `cam-localize doctor --device cuda` then says which CUDA and cuDNN ' +
  'libraries the provider needs and whether they resolve';

/** What onnxruntime-node can offer here (without starting any session). */
export async function availableProviders(): Promise<ProviderAvailability[]> {
  const ort = await loadOrt();
  const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
  const folder = ortBinaryFolder();
  const cudaLib = folder === undefined ? undefined : join(folder, cudaProviderFile());
  const cudaPresent = cudaLib !== undefined && existsSync(cudaLib);
  return [
    { provider: 'cpu', installed: listed.has('cpu'), detail: 'bundled' },
    {
      provider: 'cuda',
      installed: listed.has('cuda') && cudaPresent,
      detail: cudaPresent ? `provider library at ${cudaLib}` : `no ${cudaProviderFile()} in ${folder ?? '?'}`,
    },
    {
      provider: 'webgpu',
      installed: listed.has('webgpu'),
      detail: listed.has('webgpu') ? 'bundled' : 'not built in',
    },
  ];
}

/** The DeviceError for an explicitly requested provider that is not installed. */
export function providerMissingError(
  provider: Exclude<Provider, 'cpu'>,
  entry: ProviderAvailability,
  file: string | undefined,
): DeviceError {
  const where = file === undefined ? {} : { file };
  if (provider === 'cuda') {
    return new DeviceError(
      `device 'cuda' requested but the CUDA execution provider is not installed (${entry.detail})`,
      { hint: CUDA_INSTALL_HINT, ...where },
    );
  }
  return new DeviceError("device 'webgpu' requested but this onnxruntime-node build has no WebGPU provider", {
    hint: 'use `device: cpu`',
    ...where,
  });
}

/**
 * What to do when an installed provider fails to start: for CUDA, which of the libraries its ELF
 * NEEDED entries name do not resolve, and where to find them; for WebGPU, what Linux needs.
 */
export function deviceFailureAdvice(provider: Exclude<Provider, 'cpu'>): string {
  return provider === 'cuda' ? shortCudaDiagnosis() : shortWebGpuAdvice();
}
