/**
 * What the host says about its GPUs and graphics stack: nvidia-smi's GPUs and driver, and on Linux
 * the Vulkan loader, the GL vendor-neutral libraries and the Vulkan ICD files that Dawn (WebGPU)
 * needs. Each missing piece comes with the package or variable that fixes it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LibraryCheck, probeLibrary } from './libraries.js';

export interface NvidiaSmi {
  /** null when nvidia-smi is absent or failed (see error). */
  readonly gpus: string[] | null;
  readonly driverVersion: string | null;
  /** The highest CUDA version the driver supports ("CUDA Version" in nvidia-smi's banner). */
  readonly driverCuda: string | null;
  readonly error: string | null;
}

export function queryNvidiaSmi(): NvidiaSmi {
  const list = spawnSync(
    'nvidia-smi',
    ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader'],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (list.error !== undefined || list.status !== 0) {
    const why = list.error?.message ?? (list.stderr || list.stdout || `exit code ${list.status}`).trim();
    return { gpus: null, driverVersion: null, driverCuda: null, error: why.split('\n')[0]!.slice(0, 300) };
  }
  const rows = list.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(',').map((x) => x.trim()));
  const banner = spawnSync('nvidia-smi', [], { encoding: 'utf8', timeout: 20_000 });
  const cuda = /CUDA Version:\s*([\d.]+)/.exec(banner.stdout ?? '');
  return {
    gpus: rows.map((r) => `${r[0]}: ${r[1]} (${r[2]})`),
    driverVersion: rows[0]?.[3] ?? null,
    driverCuda: cuda?.[1] ?? null,
    error: null,
  };
}

/** The Debian/Ubuntu packages Dawn's Vulkan backend needs beside the NVIDIA driver (GPU.md). */
export const WEBGPU_LINUX_PACKAGES = 'libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libopengl0 libgles2';

const WEBGPU_LIBRARIES = ['libvulkan.so.1', 'libGLdispatch.so.0', 'libGLX.so.0', 'libEGL.so.1'];

/** Where the Vulkan loader looks for ICD files by default, and one place containers use that it does not. */
const ICD_FOLDERS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const OTHER_ICD_FOLDERS = ['/usr/local/nvidia/share/vulkan/icd.d', '/usr/local/nvidia/icd.d'];

export interface VulkanStack {
  readonly libraries: LibraryCheck[];
  /** ICD files the loader will read (VK_DRIVER_FILES / VK_ICD_FILENAMES, else the default folders). */
  readonly icdFiles: string[];
  /** NVIDIA ICD files in places the loader does not search by default. */
  readonly strayNvidiaIcds: string[];
  readonly driverFilesVariable: string | null;
  readonly problems: string[];
  readonly fixes: string[];
}

function jsonFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** `nvidiaGpu`: whether nvidia-smi sees a GPU (without one, a missing NVIDIA ICD is no news). */
export function checkVulkanStack(nvidiaGpu: boolean, env: NodeJS.ProcessEnv = process.env): VulkanStack {
  const libraries = WEBGPU_LIBRARIES.map((n) => probeLibrary(n, env));
  const variable = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? null;
  const icdFiles =
    variable === null
      ? ICD_FOLDERS.flatMap(jsonFiles)
      : variable.split(':').filter((f) => f && existsSync(f));
  const strayNvidiaIcds = OTHER_ICD_FOLDERS.flatMap(jsonFiles).filter((f) => /nvidia/i.test(f));
  const problems: string[] = [];
  const fixes: string[] = [];
  const missing = libraries.filter((l) => !l.resolves);
  if (missing.length > 0) {
    problems.push(
      `${missing.map((l) => l.name).join(', ')} not found (Vulkan loader / GL vendor-neutral dispatch)`,
    );
    fixes.push(`apt-get install ${WEBGPU_LINUX_PACKAGES}`);
  }
  if (!nvidiaGpu) {
    problems.push(
      'no NVIDIA GPU seen (nvidia-smi); the Vulkan drivers here offered Dawn no adapter it supports',
    );
    fixes.push('use a machine with a GPU and its Vulkan driver, or `device: cpu`');
  } else if (!icdFiles.some((f) => /nvidia/i.test(f))) {
    if (strayNvidiaIcds.length > 0) {
      problems.push(`the NVIDIA Vulkan ICD ${strayNvidiaIcds[0]} is outside the loader's default folders`);
      fixes.push(`export VK_DRIVER_FILES=${strayNvidiaIcds[0]}`);
    } else {
      problems.push(
        variable === null
          ? `no NVIDIA Vulkan ICD (nvidia_icd.json) in ${ICD_FOLDERS.join(', ')}`
          : `VK_DRIVER_FILES/VK_ICD_FILENAMES names no existing NVIDIA ICD (${variable})`,
      );
      fixes.push(
        'install the NVIDIA driver with its Vulkan part (it registers nvidia_icd.json); in a container set NVIDIA_DRIVER_CAPABILITIES=all (graphics) and point VK_DRIVER_FILES at the mounted nvidia_icd.json',
      );
    }
  }
  return { libraries, icdFiles, strayNvidiaIcds, driverFilesVariable: variable, problems, fixes };
}
