/**
 * Builds small ELF shared-library files byte by byte (a test helper; no binaries are checked in):
 * an ELF header, a PT_LOAD segment whose virtual addresses differ from file offsets (so address
 * translation is exercised), a PT_DYNAMIC segment with NEEDED/SONAME/RUNPATH/STRTAB/STRSZ and
 * optional version definitions, a `.rodata` section of NUL-terminated strings, and section headers.
 */

export interface ElfSpec {
  bits?: 32 | 64;
  bigEndian?: boolean;
  needed?: string[];
  soname?: string;
  runpath?: string;
  /** Version definition names after the file's own (e.g. VERS_1.30.0). */
  versions?: string[];
  rodata?: string[];
}

const VADDR_BASE = 0x400000;

class Bytes {
  private readonly out: number[] = [];
  constructor(
    private readonly little: boolean,
    private readonly bits: 32 | 64,
  ) {}
  get length(): number {
    return this.out.length;
  }
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff];
    this.out.push(...(this.little ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.out.push(...(this.little ? b : b.reverse()));
    return this;
  }
  u64(v: number): this {
    const lo = v % 2 ** 32;
    const hi = Math.floor(v / 2 ** 32);
    return this.little ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  word(v: number): this {
    return this.bits === 32 ? this.u32(v) : this.u64(v);
  }
  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.out.push(bytes[i]!);
    return this;
  }
  pad(to: number): this {
    while (this.out.length < to) this.out.push(0);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** A string table: offsets of each added string (offset 0 is the empty string). */
function stringTable(strings: string[]): { bytes: number[]; offset: Map<string, number> } {
  const bytes = [0];
  const offset = new Map<string, number>([['', 0]]);
  for (const s of strings) {
    if (offset.has(s)) continue;
    offset.set(s, bytes.length);
    for (const c of Buffer.from(s, 'latin1')) bytes.push(c);
    bytes.push(0);
  }
  return { bytes, offset };
}

export function buildElf(spec: ElfSpec): Uint8Array {
  const bits = spec.bits ?? 64;
  const little = !spec.bigEndian;
  const w = bits / 8;
  const ehsize = bits === 32 ? 52 : 64;
  const phentsize = bits === 32 ? 32 : 56;
  const shentsize = bits === 32 ? 40 : 64;
  const dynent = 2 * w;
  const mk = () => new Bytes(little, bits);

  const needed = spec.needed ?? [];
  const ownName = spec.soname ?? 'libfixture.so';
  const versions = spec.versions ?? [];
  const dynstr = stringTable([...needed, ownName, spec.runpath ?? '', ...versions]);

  // Layout: header | 2 program headers | dynstr | verdef | dynamic | rodata | shstrtab | section headers.
  const phoff = ehsize;
  const dynstrOff = phoff + 2 * phentsize;
  const verdefOff = align(dynstrOff + dynstr.bytes.length, 4);
  const verdefCount = versions.length === 0 ? 0 : versions.length + 1;
  const verdefSize = verdefCount * 28; // Elf_Verdef (20) + one Elf_Verdaux (8) each
  const tags: [number, number][] = [
    ...needed.map((n): [number, number] => [1, dynstr.offset.get(n)!]),
    [14, dynstr.offset.get(ownName)!],
    ...(spec.runpath === undefined ? [] : [[29, dynstr.offset.get(spec.runpath)!] as [number, number]]),
    [5, VADDR_BASE + dynstrOff],
    [10, dynstr.bytes.length],
    ...(verdefCount === 0
      ? []
      : [
          [0x6ffffffc, VADDR_BASE + verdefOff] as [number, number],
          [0x6ffffffd, verdefCount] as [number, number],
        ]),
    [0, 0],
  ];
  const dynamicOff = align(verdefOff + verdefSize, w);
  const rodataOff = dynamicOff + tags.length * dynent;
  const rodata: number[] = [0];
  for (const s of spec.rodata ?? []) {
    for (const c of Buffer.from(s, 'latin1')) rodata.push(c);
    rodata.push(0);
  }
  const shstr = stringTable(['.rodata', '.dynstr', '.shstrtab']);
  const shstrOff = rodataOff + rodata.length;
  const shoff = align(shstrOff + shstr.bytes.length, w);
  const end = shoff + 4 * shentsize;

  const f = mk();
  f.raw([0x7f, 0x45, 0x4c, 0x46, bits === 32 ? 1 : 2, little ? 1 : 2, 1, 0]).pad(16);
  f.u16(3) // ET_DYN
    .u16(bits === 32 ? 3 : 62) // EM_386 / EM_X86_64
    .u32(1)
    .word(0) // e_entry
    .word(phoff)
    .word(shoff)
    .u32(0) // e_flags
    .u16(ehsize)
    .u16(phentsize)
    .u16(2)
    .u16(shentsize)
    .u16(4)
    .u16(3); // e_shstrndx
  const phdr = (type: number, offset: number, size: number) => {
    const p = mk();
    if (bits === 32)
      p.u32(type)
        .u32(offset)
        .u32(VADDR_BASE + offset)
        .u32(VADDR_BASE + offset)
        .u32(size)
        .u32(size)
        .u32(4)
        .u32(w);
    else
      p.u32(type)
        .u32(4)
        .u64(offset)
        .u64(VADDR_BASE + offset)
        .u64(VADDR_BASE + offset)
        .u64(size)
        .u64(size)
        .u64(w);
    f.raw(p.done());
  };
  phdr(1, 0, end); // PT_LOAD: the whole file at VADDR_BASE
  phdr(2, dynamicOff, tags.length * dynent); // PT_DYNAMIC
  f.raw(dynstr.bytes).pad(verdefOff);
  const names = [ownName, ...versions];
  for (let i = 0; i < verdefCount; i++) {
    const at = verdefOff + i * 28;
    f.pad(at);
    f.u16(1) // vd_version
      .u16(i === 0 ? 1 : 0) // vd_flags: VER_FLG_BASE for the file's own name
      .u16(i + 1)
      .u16(1) // vd_cnt
      .u32(0) // vd_hash (not checked)
      .u32(20) // vd_aux
      .u32(i + 1 < verdefCount ? 28 : 0); // vd_next
    f.u32(dynstr.offset.get(names[i]!)!).u32(0);
  }
  f.pad(dynamicOff);
  for (const [tag, value] of tags) f.word(tag).word(value);
  f.raw(rodata).raw(shstr.bytes).pad(shoff);
  const shdr = (name: number, type: number, offset: number, size: number) => {
    const s = mk();
    if (bits === 32)
      s.u32(name)
        .u32(type)
        .u32(2)
        .u32(VADDR_BASE + offset)
        .u32(offset)
        .u32(size)
        .u32(0)
        .u32(0)
        .u32(1)
        .u32(0);
    else
      s.u32(name)
        .u32(type)
        .u64(2)
        .u64(VADDR_BASE + offset)
        .u64(offset)
        .u64(size)
        .u32(0)
        .u32(0)
        .u64(1)
        .u64(0);
    f.raw(s.done());
  };
  shdr(0, 0, 0, 0);
  shdr(shstr.offset.get('.rodata')!, 1, rodataOff, rodata.length);
  shdr(shstr.offset.get('.dynstr')!, 3, dynstrOff, dynstr.bytes.length);
  shdr(shstr.offset.get('.shstrtab')!, 3, shstrOff, shstr.bytes.length);
  return f.done();
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
