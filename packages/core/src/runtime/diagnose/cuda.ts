/**
 * Why the CUDA provider would or would not start, from the files alone: is the provider library
 * beside libonnxruntime.so.1, from the same ONNX Runtime release (version strings read from both
 * files), which CUDA major its ELF NEEDED entries name, and whether each library it needs resolves
 * (dlopen in a child process). Each problem comes with the command or variable that fixes it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readElfDynamic, readElfRodataStrings } from './elf.js';
import {
  candidateLibraryFolders,
  findLibrary,
  isAlwaysLoaded,
  type LibraryCheck,
  probeLibrary,
} from './libraries.js';

export const CUDA_PROVIDER_FILE = 'libonnxruntime_providers_cuda.so';
export const PROVIDERS_SHARED_FILE = 'libonnxruntime_providers_shared.so';
export const ORT_LIBRARY_FILE = 'libonnxruntime.so.1';

export interface NeededLibrary extends LibraryCheck {
  /** 'needed': a DT_NEEDED entry; 'runtime': loaded by the provider itself at run time (cuDNN). */
  readonly via: 'needed' | 'runtime';
  /** A folder outside the loader's path that holds it (pip wheels, system CUDA), when missing. */
  readonly foundIn: string | null;
}

export interface CudaProviderCheck {
  readonly folder: string;
  readonly providerFile: string;
  readonly providerPresent: boolean;
  readonly sharedPresent: boolean;
  /** ONNX Runtime release of libonnxruntime.so.1 (its VERS_x.y.z version definition). */
  readonly ortRelease: string | null;
  /** ONNX Runtime release(s) named in the provider's read-only strings. */
  readonly providerReleases: string[];
  /** null when either release could not be read. */
  readonly releaseMatch: boolean | null;
  /** From libcudart.so.N / libcublas.so.N among the NEEDED entries. */
  readonly cudaMajor: number | null;
  readonly needed: NeededLibrary[];
  /** What could not be read, if anything. */
  readonly readError: string | null;
  readonly problems: string[];
  readonly fixes: string[];
}

/** ONNX Runtime releases look like 1.NN.P; other version strings in the files are ignored. */
const RELEASE = /^1\.\d{2}\.\d{1,3}$/;

export function cudaMajorOf(needed: readonly string[]): number | null {
  for (const lib of ['libcudart', 'libcublas', 'libcublasLt']) {
    const m = needed.map((n) => new RegExp(`^${lib}\\.so\\.(\\d+)`).exec(n)).find((x) => x !== null);
    if (m) return Number(m[1]);
  }
  return null;
}

export function ortReleaseOf(versionDefinitions: readonly string[]): string | null {
  for (const v of versionDefinitions) {
    const m = /^VERS_(\d+\.\d+\.\d+)$/.exec(v);
    if (m) return m[1]!;
  }
  return null;
}

function installCommands(folder: string, ortRelease: string | null): string[] {
  // The binary folder is <onnxruntime-node>/bin/napi-v6/<platform>/<arch>.
  const script = join(resolve(folder, '..', '..', '..', '..'), 'script', 'install.js');
  return [
    `\`node ${script} --onnxruntime-node-install=cuda12\` (onnxruntime-node's own install step; needs network access to nuget.org)`,
    'pnpm: `pnpm approve-builds` (allow onnxruntime-node), then `ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm rebuild onnxruntime-node` (needs network access to nuget.org)',
    'npm: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`',
    `offline: copy ${CUDA_PROVIDER_FILE} and ${PROVIDERS_SHARED_FILE} of ONNX Runtime ${ortRelease ?? '<the same release as libonnxruntime.so.1>'} (Linux x64 GPU build) into ${folder}`,
  ];
}

export function libraryPathFix(folders: readonly string[]): string {
  return `export LD_LIBRARY_PATH=${folders.join(':')}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}`;
}

/**
 * Checks the CUDA provider in onnxruntime-node's binary folder. Probes each needed library with
 * `probe` (a child-process dlopen by default; tests may pass the environment to use).
 */
export function checkCudaProvider(
  folder: string,
  options: { env?: NodeJS.ProcessEnv; searchFolders?: readonly string[] } = {},
): CudaProviderCheck {
  const providerFile = join(folder, CUDA_PROVIDER_FILE);
  const providerPresent = existsSync(providerFile);
  const sharedPresent = existsSync(join(folder, PROVIDERS_SHARED_FILE));
  const problems: string[] = [];
  const fixes: string[] = [];
  let ortRelease: string | null = null;
  let readError: string | null = null;
  try {
    if (existsSync(join(folder, ORT_LIBRARY_FILE))) {
      ortRelease = ortReleaseOf(readElfDynamic(join(folder, ORT_LIBRARY_FILE)).versionDefinitions);
    }
  } catch (e) {
    readError = (e as Error).message;
  }
  const base = { folder, providerFile, providerPresent, sharedPresent, ortRelease };
  if (!providerPresent) {
    problems.push(`no ${CUDA_PROVIDER_FILE} beside ${ORT_LIBRARY_FILE} in ${folder}`);
    fixes.push(...installCommands(folder, ortRelease));
    return {
      ...base,
      providerReleases: [],
      releaseMatch: null,
      cudaMajor: null,
      needed: [],
      readError,
      problems,
      fixes,
    };
  }
  if (!sharedPresent) {
    problems.push(`${PROVIDERS_SHARED_FILE} is missing beside the CUDA provider`);
    fixes.push(`copy ${PROVIDERS_SHARED_FILE} from the same package as ${CUDA_PROVIDER_FILE} into ${folder}`);
  }
  let neededNames: string[] = [];
  let providerReleases: string[] = [];
  let cudnn: string | null = null;
  try {
    neededNames = readElfDynamic(providerFile).needed;
    const strings = readElfRodataStrings(providerFile, /^1\.\d{2}\.\d{1,3}$|^libcudnn\.so(\.\d+)?$/);
    providerReleases = strings.filter((s) => RELEASE.test(s));
    const cudnnNames = strings.filter((s) => s.startsWith('libcudnn'));
    if (cudnnNames.length > 0) cudnn = cudnnNames.find((s) => /\.so\.\d+$/.test(s)) ?? 'libcudnn.so.9';
  } catch (e) {
    readError = (e as Error).message;
    problems.push(`the CUDA provider cannot be read: ${readError}`);
  }
  const releaseMatch =
    ortRelease === null || providerReleases.length === 0 ? null : providerReleases.includes(ortRelease);
  if (releaseMatch === false) {
    problems.push(
      `the CUDA provider is from ONNX Runtime ${providerReleases.join('/')} but ${ORT_LIBRARY_FILE} is ${ortRelease}: both must come from the same release`,
    );
    fixes.push(
      `install the provider of ONNX Runtime ${ortRelease}: ${installCommands(folder, ortRelease).join('; or ')}`,
      `or use onnxruntime-node ${providerReleases[0]} with this provider`,
    );
  }
  const cudaMajor = cudaMajorOf(neededNames);
  const folders = options.searchFolders ?? candidateLibraryFolders();
  const needed: NeededLibrary[] = [];
  const names: [string, NeededLibrary['via']][] = [
    ...neededNames
      .filter((n) => !isAlwaysLoaded(n))
      .map((n): [string, NeededLibrary['via']] => [n, 'needed']),
    ...(cudnn === null ? [] : [[cudnn, 'runtime'] as [string, NeededLibrary['via']]]),
  ];
  for (const [name, via] of names) {
    const check = probeLibrary(name, options.env);
    needed.push({ ...check, via, foundIn: check.resolves ? null : findLibrary(name, folders) });
  }
  const missing = needed.filter((n) => !n.resolves);
  if (missing.length > 0) {
    const cuda = cudaMajor === null ? 'CUDA' : `CUDA ${cudaMajor}`;
    problems.push(
      `the CUDA provider (${cuda}) needs ${missing.map((m) => m.name).join(', ')}: not found by the loader`,
    );
    if (missing.some((m) => m.name.startsWith('libcuda.so'))) {
      fixes.push(
        'libcuda.so.1 comes with the NVIDIA driver: install it (nvidia-smi must work); in a container, start it with the GPU (docker run --gpus all, NVIDIA container toolkit)',
      );
    }
    const found = [...new Set(missing.map((m) => m.foundIn).filter((f): f is string => f !== null))];
    if (found.length > 0) fixes.push(libraryPathFix(found));
    const notFound = missing.filter((m) => m.foundIn === null && !m.name.startsWith('libcuda.so'));
    if (notFound.length > 0) {
      const major = cudaMajor ?? 'N';
      fixes.push(
        `install ${notFound.map((m) => m.name).join(', ')} (${cuda} runtime: cudart, cuBLAS, cuRAND; cuDNN 9 for ${cuda}): ` +
          `the nvidia-* Python wheels of a PyTorch build for CUDA ${major} (they land in site-packages/nvidia/*/lib), ` +
          `or NVIDIA's system packages (e.g. cuda-libraries-${major}-<minor> and libcudnn9-cuda-${major}); then add their lib folders to LD_LIBRARY_PATH`,
      );
    }
  }
  return { ...base, providerReleases, releaseMatch, cudaMajor, needed, readError, problems, fixes };
}
