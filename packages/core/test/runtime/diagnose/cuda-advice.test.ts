/**
 * The CUDA provider check on fixture folders (ELF files built in the test): release match read
 * from both files, the CUDA major from NEEDED, which libraries resolve (a real dlopen in a child
 * process), and the advice: the exact LD_LIBRARY_PATH where a missing library sits elsewhere.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCudaProvider, cudaMajorOf } from '../../../src/runtime/diagnose/cuda.js';
import { probeLibrary } from '../../../src/runtime/diagnose/libraries.js';
import { summarizeCudaCheck } from '../../../src/runtime/diagnose/short.js';
import { buildElf } from './elf-builder.js';

const CUDA13 = ['libcublasLt.so.13', 'libcublas.so.13', 'libcurand.so.10', 'libcudart.so.13'];

/** A binary folder like onnxruntime-node's: libonnxruntime.so.1 of `ort`, a provider of `provider`. */
function fixture(ort: string, provider: string | null, needed = [...CUDA13, 'libc.so.6']): string {
  const dir = mkdtempSync(join(tmpdir(), 'cam-cuda-'));
  writeFileSync(
    join(dir, 'libonnxruntime.so.1'),
    buildElf({ soname: 'libonnxruntime.so.1', needed: ['libc.so.6'], versions: [`VERS_${ort}`] }),
  );
  if (provider !== null) {
    writeFileSync(
      join(dir, 'libonnxruntime_providers_cuda.so'),
      buildElf({ needed, versions: ['VERS_1.0'], rodata: ['cuda', provider, 'libcudnn.so', '3.1.4'] }),
    );
    writeFileSync(join(dir, 'libonnxruntime_providers_shared.so'), buildElf({ needed: ['libc.so.6'] }));
  }
  return dir;
}

/** No library of the fixture's names is on this machine's loader path; an empty env keeps it so. */
const env = { PATH: process.env.PATH ?? '' };
const onThisMachine = (name: string) => probeLibrary(name, env).resolves;

describe('checkCudaProvider on fixture libraries', () => {
  it('a missing provider: the install commands (pnpm, npm, offline copy) with the release to match', () => {
    const dir = fixture('1.30.0', null);
    const c = checkCudaProvider(dir, { env, searchFolders: [] });
    expect(c.providerPresent).toBe(false);
    expect(c.ortRelease).toBe('1.30.0');
    expect(c.problems[0]).toMatch(/no libonnxruntime_providers_cuda.so beside libonnxruntime.so.1/);
    const fixes = c.fixes.join('\n');
    expect(fixes).toContain(
      `node ${join(dir, '..', '..', '..', '..', 'script', 'install.js')} --onnxruntime-node-install=cuda12`,
    );
    expect(fixes).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm rebuild onnxruntime-node');
    expect(fixes).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    expect(fixes).toContain(`of ONNX Runtime 1.30.0 (Linux x64 GPU build) into ${dir}`);
  });

  it('CUDA 13 NEEDED entries: says CUDA 13 (never 12), names each missing library, and the folder that has them', () => {
    const dir = fixture('1.29.0', '1.29.0');
    const wheels = join(dir, 'site-packages', 'nvidia', 'cu13', 'lib');
    mkdirSync(wheels, { recursive: true });
    for (const n of ['libcublasLt.so.13', 'libcublas.so.13']) writeFileSync(join(wheels, n), '');
    const c = checkCudaProvider(dir, { env, searchFolders: [join(dir, 'elsewhere'), wheels] });
    expect(c.releaseMatch).toBe(true);
    expect(c.providerReleases).toEqual(['1.29.0']);
    expect(c.cudaMajor).toBe(13);
    const names = [...CUDA13, 'libcudnn.so.9'];
    // A machine may have some of them on its loader path (here: a system libcudart via ldconfig).
    const missing = names.filter((n) => !onThisMachine(n));
    expect(c.needed.map((n) => [n.name, n.via, n.resolves])).toEqual(
      names.map((n) => [n, n.startsWith('libcudnn') ? 'runtime' : 'needed', !missing.includes(n)]),
    );
    expect(missing).toContain('libcublasLt.so.13');
    expect(c.needed[0]!.error).toMatch(/libcublasLt.so.13: cannot open shared object file/);
    expect(c.needed.map((n) => n.foundIn)).toEqual(
      names.map((n) => (missing.includes(n) && n.startsWith('libcublas') ? wheels : null)),
    );
    const text = [...c.problems, ...c.fixes].join('\n');
    expect(text).toContain(
      `the CUDA provider (CUDA 13) needs ${missing.join(', ')}: not found by the loader`,
    );
    expect(text).toContain(`export LD_LIBRARY_PATH=${wheels}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}`);
    const elsewhere = missing.filter((n) => !n.startsWith('libcublas'));
    expect(text).toContain(`install ${elsewhere.join(', ')} (CUDA 13 runtime`);
    expect(text).not.toMatch(/CUDA 12/);
    expect(text).not.toMatch(/same release/);
    // The short form in the --device cuda error: the same facts, one line.
    const short = summarizeCudaCheck(c);
    expect(short).toContain(`the provider (CUDA 13) needs ${missing.join(', ')}, not found by the loader`);
    expect(short).toContain(`fix: export LD_LIBRARY_PATH=${wheels}`);
    expect(short).not.toMatch(/CUDA 12|\n/);
  });

  it('provider and libonnxruntime from different releases: says both and how to match them', () => {
    const c = checkCudaProvider(fixture('1.30.0', '1.29.0'), { env, searchFolders: [] });
    expect(c.releaseMatch).toBe(false);
    expect(c.problems[0]).toBe(
      'the CUDA provider is from ONNX Runtime 1.29.0 but libonnxruntime.so.1 is 1.30.0: both must come from the same release',
    );
    expect(c.fixes.join('\n')).toMatch(/install the provider of ONNX Runtime 1.30.0/);
    expect(c.fixes.join('\n')).toMatch(/or use onnxruntime-node 1.29.0 with this provider/);
  });

  it.skipIf(onThisMachine('libcuda.so.1'))(
    'a CUDA 12 provider and no NVIDIA driver: CUDA 12 and the driver advice',
    () => {
      const needed = ['libcublasLt.so.12', 'libcudart.so.12', 'libcuda.so.1'];
      const c = checkCudaProvider(fixture('1.22.0', '1.22.0', needed), { env, searchFolders: [] });
      expect(c.cudaMajor).toBe(12);
      const missing = needed.filter((n) => !onThisMachine(n));
      expect(c.problems.join('\n')).toContain(`the CUDA provider (CUDA 12) needs ${missing.join(', ')}`);
      expect(c.fixes.join('\n')).toMatch(/libcuda.so.1 comes with the NVIDIA driver/);
    },
  );

  it('a library the loader finds through LD_LIBRARY_PATH resolves, with the file it picked', () => {
    const real = probeLibrary('libz.so.1');
    expect(real.resolves).toBe(true); // zlib is everywhere Node runs
    const lib = mkdtempSync(join(tmpdir(), 'cam-lib-'));
    copyFileSync(real.path!, join(lib, 'libcurand.so.10'));
    const c = checkCudaProvider(fixture('1.29.0', '1.29.0'), {
      env: { ...env, LD_LIBRARY_PATH: lib },
      searchFolders: [],
    });
    const curand = c.needed.find((n) => n.name === 'libcurand.so.10')!;
    expect(curand.resolves).toBe(true);
    expect(curand.path).toBe(join(lib, 'libcurand.so.10'));
    expect(c.problems.join('\n')).not.toMatch(/libcurand/);
  });

  it('cudaMajorOf reads cudart, else cuBLAS', () => {
    expect(cudaMajorOf(['libc.so.6', 'libcublas.so.11', 'libcudart.so.12'])).toBe(12);
    expect(cudaMajorOf(['libcublasLt.so.13'])).toBe(13);
    expect(cudaMajorOf(['libc.so.6'])).toBeNull();
  });
});
