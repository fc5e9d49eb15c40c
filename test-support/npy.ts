/**
 * A test-side reader for the golden little-endian float32 .npy files of the test bed (the
 * library's own reader lives in @cam-localize/eval, above core in the layering).
 */
import { readFileSync } from 'node:fs';

export function readNpyFloat32(path: string): { shape: number[]; data: Float32Array } {
  const bytes = readFileSync(path);
  if (bytes.subarray(1, 6).toString('latin1') !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLength).toString('latin1');
  if (!header.includes("'descr': '<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`${path}: expected little-endian float32 in C order, got ${header}`);
  }
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const offset = start + headerLength;
  const copy = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.length);
  return { shape, data: new Float32Array(copy) };
}

/** Pearson correlation of two equally long arrays. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}
