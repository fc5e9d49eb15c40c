/** The ELF reader on files built byte by byte: both word sizes, both byte orders, bad input. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../../src/errors.js';
import { readElfDynamic, readElfRodataStrings } from '../../../src/runtime/diagnose/elf.js';
import { buildElf, type ElfSpec } from './elf-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'cam-elf-'));
let n = 0;
function file(bytes: Uint8Array): string {
  const p = join(dir, `lib${n++}.so`);
  writeFileSync(p, bytes);
  return p;
}

const provider: ElfSpec = {
  needed: ['libcublasLt.so.13', 'libcublas.so.13', 'libcurand.so.10', 'libcudart.so.13', 'libc.so.6'],
  soname: 'libonnxruntime_providers_cuda.so',
  runpath: '$ORIGIN:/opt/x',
  versions: ['VERS_1.0'],
  rodata: ['hello', '1.29.0', 'libcudnn.so', '12.4', 'x1.2.3'],
};

describe('readElfDynamic', () => {
  it.each([
    [64, false],
    [32, false],
    [64, true],
    [32, true],
  ] as const)('reads NEEDED, SONAME, RUNPATH and version names (ELF%i, big-endian %s)', (bits, bigEndian) => {
    const info = readElfDynamic(file(buildElf({ ...provider, bits, bigEndian })));
    expect(info.bits).toBe(bits);
    expect(info.needed).toEqual(provider.needed);
    expect(info.soname).toBe('libonnxruntime_providers_cuda.so');
    expect(info.runpath).toEqual(['$ORIGIN', '/opt/x']);
    expect(info.versionDefinitions).toEqual(['libonnxruntime_providers_cuda.so', 'VERS_1.0']);
  });

  it('reads a library without version definitions or runpath', () => {
    const info = readElfDynamic(file(buildElf({ needed: ['libm.so.6'], soname: 'libonnxruntime.so.1' })));
    expect(info).toEqual({
      bits: 64,
      needed: ['libm.so.6'],
      soname: 'libonnxruntime.so.1',
      runpath: [],
      versionDefinitions: [],
    });
  });

  it('refuses a non-ELF file and a truncated one with a DeviceError naming the file', () => {
    const text = file(new TextEncoder().encode('not a library at all, just text'));
    expect(() => readElfDynamic(text)).toThrow(DeviceError);
    expect(() => readElfDynamic(text)).toThrow(/no \\x7fELF magic/);
    const whole = buildElf(provider);
    const cut = file(whole.subarray(0, 100));
    const e = (() => {
      try {
        readElfDynamic(cut);
      } catch (x) {
        return x as DeviceError;
      }
    })();
    expect(e).toBeInstanceOf(DeviceError);
    expect(e!.file).toBe(cut);
    expect(e!.message).toMatch(/truncated/);
    expect(() => readElfDynamic(join(dir, 'absent.so'))).toThrow(/cannot open the shared library/);
  });
});

describe('readElfRodataStrings', () => {
  it('finds whole NUL-terminated strings in .rodata that match', () => {
    const p = file(buildElf(provider));
    expect(readElfRodataStrings(p, /^\d+\.\d+\.\d+$/)).toEqual(['1.29.0']);
    expect(readElfRodataStrings(p, /^libcudnn/)).toEqual(['libcudnn.so']);
    expect(
      readElfRodataStrings(file(buildElf({ ...provider, bits: 32, bigEndian: true })), /^\d+\.\d+$/),
    ).toEqual(['12.4']);
  });
});
