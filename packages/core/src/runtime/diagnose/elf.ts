/**
 * A small ELF reader (ELF32 and ELF64, either byte order) for what `doctor` needs from a shared
 * library: its dynamic section (NEEDED, SONAME, RPATH/RUNPATH), the version names it defines
 * (`VERS_1.30.0` in libonnxruntime) and version-like strings in `.rodata`. It reads only the parts
 * it needs from the file (a CUDA provider is over 200 MB), with no native code.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DeviceError } from '../../errors.js';

export interface ElfDynamicInfo {
  readonly bits: 32 | 64;
  readonly needed: string[];
  readonly soname: string | null;
  /** DT_RUNPATH, else DT_RPATH, split on ':' ($ORIGIN left as is). */
  readonly runpath: string[];
  /** Names from the version definitions (DT_VERDEF), the file's own name first. */
  readonly versionDefinitions: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const DT_VERDEF = 0x6ffffffc;
const DT_VERDEFNUM = 0x6ffffffd;

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

interface Section {
  nameOffset: number;
  offset: number;
  size: number;
}

/** Reads ranges of a file with checks, in the file's byte order and word size. */
class ElfFile {
  readonly bits: 32 | 64;
  private readonly little: boolean;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly size: number,
  ) {
    const ident = this.bytes(0, 16);
    if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
      throw this.error('not an ELF file (no \\x7fELF magic)');
    }
    if (ident[4] !== 1 && ident[4] !== 2) throw this.error(`unknown ELF class ${ident[4]}`);
    if (ident[5] !== 1 && ident[5] !== 2) throw this.error(`unknown ELF byte order ${ident[5]}`);
    this.bits = ident[4] === 1 ? 32 : 64;
    this.little = ident[5] === 1;
  }

  error(what: string): DeviceError {
    return new DeviceError(`cannot read the shared library: ${what}`, { file: this.path });
  }

  bytes(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw this.error(`it is truncated (wanted bytes ${offset}..${offset + length} of ${this.size})`);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw this.error('it ended early');
      done += n;
    }
    return out;
  }

  view(offset: number, length: number): DataView {
    const b = this.bytes(offset, length);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  u16(v: DataView, at: number): number {
    return v.getUint16(at, this.little);
  }

  u32(v: DataView, at: number): number {
    return v.getUint32(at, this.little);
  }

  /** A word: 4 bytes in ELF32, 8 in ELF64 (as a number: offsets and sizes fit in 2^53). */
  word(v: DataView, at: number): number {
    return this.bits === 32 ? v.getUint32(at, this.little) : Number(v.getBigUint64(at, this.little));
  }

  /** A signed word (d_tag). */
  sword(v: DataView, at: number): number {
    return this.bits === 32 ? v.getInt32(at, this.little) : Number(v.getBigInt64(at, this.little));
  }

  header() {
    const v = this.view(0, this.bits === 32 ? 52 : 64);
    const w = this.bits === 32 ? 4 : 8;
    const phoff = this.word(v, 0x18 + w);
    const shoff = this.word(v, 0x18 + 2 * w);
    const at = 0x18 + 3 * w + 4; // after e_entry, e_phoff, e_shoff, e_flags, then e_ehsize
    return {
      phoff,
      shoff,
      phentsize: this.u16(v, at + 2),
      phnum: this.u16(v, at + 4),
      shentsize: this.u16(v, at + 6),
      shnum: this.u16(v, at + 8),
      shstrndx: this.u16(v, at + 10),
    };
  }

  segments(): Segment[] {
    const h = this.header();
    const out: Segment[] = [];
    for (let i = 0; i < h.phnum; i++) {
      const v = this.view(h.phoff + i * h.phentsize, h.phentsize);
      out.push(
        this.bits === 32
          ? { type: this.u32(v, 0), offset: this.u32(v, 4), vaddr: this.u32(v, 8), filesz: this.u32(v, 16) }
          : {
              type: this.u32(v, 0),
              offset: this.word(v, 8),
              vaddr: this.word(v, 16),
              filesz: this.word(v, 32),
            },
      );
    }
    return out;
  }

  sections(): { list: Section[]; names: Section | undefined } {
    const h = this.header();
    const list: Section[] = [];
    if (h.shoff === 0) return { list, names: undefined };
    for (let i = 0; i < h.shnum; i++) {
      const v = this.view(h.shoff + i * h.shentsize, h.shentsize);
      list.push(
        this.bits === 32
          ? { nameOffset: this.u32(v, 0), offset: this.u32(v, 16), size: this.u32(v, 20) }
          : { nameOffset: this.u32(v, 0), offset: this.word(v, 24), size: this.word(v, 32) },
      );
    }
    return { list, names: list[h.shstrndx] };
  }

  /** A NUL-terminated string at `offset` within a table of `size` bytes at `table`. */
  string(table: number, size: number, offset: number): string {
    if (offset >= size) throw this.error(`a string offset ${offset} lies outside its table of ${size} bytes`);
    const b = this.bytes(table + offset, Math.min(4096, size - offset));
    const end = b.indexOf(0);
    return new TextDecoder('latin1').decode(b.subarray(0, end < 0 ? b.length : end));
  }
}

function withElf<T>(path: string, read: (elf: ElfFile) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw new DeviceError(`cannot open the shared library: ${(cause as Error).message}`, {
      file: path,
      cause,
    });
  }
  try {
    const size = fstatSync(fd).size;
    return read(new ElfFile(fd, path, size));
  } finally {
    closeSync(fd);
  }
}

/** The file offset of a virtual address, through the PT_LOAD segments. */
function fileOffset(elf: ElfFile, segments: Segment[], addr: number, what: string): number {
  for (const s of segments) {
    if (s.type === PT_LOAD && addr >= s.vaddr && addr < s.vaddr + s.filesz) return addr - s.vaddr + s.offset;
  }
  throw elf.error(`${what} (address 0x${addr.toString(16)}) is in no loaded segment`);
}

/** Reads the dynamic section of an ELF shared library: NEEDED, SONAME, RUNPATH, version names. */
export function readElfDynamic(path: string): ElfDynamicInfo {
  return withElf(path, (elf) => {
    const segments = elf.segments();
    const dyn = segments.find((s) => s.type === PT_DYNAMIC);
    if (dyn === undefined) throw elf.error('it has no dynamic section (not a shared library?)');
    const entry = elf.bits === 32 ? 8 : 16;
    const v = elf.view(dyn.offset, dyn.filesz - (dyn.filesz % entry));
    const tags: [number, number][] = [];
    for (let at = 0; at + entry <= v.byteLength; at += entry) {
      const tag = elf.sword(v, at);
      if (tag === 0) break;
      tags.push([tag, elf.word(v, at + entry / 2)]);
    }
    const value = (t: number) => tags.find(([tag]) => tag === t)?.[1];
    const strtabAddr = value(DT_STRTAB);
    const strsz = value(DT_STRSZ);
    if (strtabAddr === undefined || strsz === undefined)
      throw elf.error('its dynamic section has no string table');
    const strtab = fileOffset(elf, segments, strtabAddr, 'the dynamic string table');
    const str = (off: number) => elf.string(strtab, strsz, off);
    const needed = tags.filter(([t]) => t === DT_NEEDED).map(([, off]) => str(off));
    const soname = value(DT_SONAME);
    const runpath = value(DT_RUNPATH) ?? value(DT_RPATH);
    const verdef = value(DT_VERDEF);
    const versionDefinitions: string[] = [];
    if (verdef !== undefined) {
      let at = fileOffset(elf, segments, verdef, 'the version definitions');
      const count = value(DT_VERDEFNUM) ?? 0;
      for (let i = 0; i < count && i < 1000; i++) {
        const d = elf.view(at, 20); // Elf_Verdef: the same 20 bytes in ELF32 and ELF64
        const aux = elf.u32(d, 12);
        if (elf.u16(d, 6) > 0) versionDefinitions.push(str(elf.u32(elf.view(at + aux, 8), 0)));
        const next = elf.u32(d, 16);
        if (next === 0) break;
        at += next;
      }
    }
    return {
      bits: elf.bits,
      needed,
      soname: soname === undefined ? null : str(soname),
      runpath: runpath === undefined ? [] : str(runpath).split(':').filter(Boolean),
      versionDefinitions,
    };
  });
}

/**
 * The distinct NUL-terminated strings of `.rodata` that match `pattern` (whole string), such as
 * release numbers (`1.29.0`) or library names. Empty when the file has no section headers.
 */
export function readElfRodataStrings(path: string, pattern: RegExp, maxLength = 64): string[] {
  return withElf(path, (elf) => {
    const { list, names } = elf.sections();
    if (names === undefined) return [];
    const rodata = list.find((s) => elf.string(names.offset, names.size, s.nameOffset) === '.rodata');
    if (rodata === undefined) return [];
    const found = new Set<string>();
    const chunk = 1 << 22;
    let start = 0; // start of the current string, relative to the section
    let carry = '';
    for (let at = 0; at < rodata.size; at += chunk) {
      const b = elf.bytes(rodata.offset + at, Math.min(chunk, rodata.size - at));
      let from = 0;
      for (let i = 0; i < b.length; i++) {
        if (b[i] !== 0) continue;
        const len = at + i - start;
        if (len > 0 && len <= maxLength) {
          const text = carry + latin1(b.subarray(from, i));
          if (pattern.test(text)) found.add(text);
        }
        carry = '';
        start = at + i + 1;
        from = i + 1;
      }
      carry = at + b.length - start <= maxLength ? carry + latin1(b.subarray(from)) : '';
    }
    return [...found];
  });
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
