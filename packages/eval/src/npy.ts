/**
 * NumPy `.npy` files (format spec: numpy.lib.format, versions 1.0, 2.0 and 3.0).
 *
 * Reads float32 and float64 arrays, little or big endian, C order (Fortran order is refused
 * with a clear error); writes float32, little endian, version 1.0. Score maps are 2-D (H, W)
 * arrays (leading or trailing axes of length 1 are accepted and dropped). wsolevaluation keeps
 * one file per image at `<camDir>/<image_id>.npy`, with the image id's folders as folders.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError, type ScoreMap, UsageError } from '@cam-localize/core';
import {
  makeFolders,
  readFailureReason,
  readRegularFile,
  readRegularFileSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from '@cam-localize/core/workers';

export type NpyDtype = 'float32' | 'float64';

export interface NpyArray {
  shape: number[];
  dtype: NpyDtype;
  /** Values in C order, in native typed arrays. */
  data: Float32Array | Float64Array;
  /** Format version of the file read, e.g. [1, 0]. */
  version: [number, number];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function npyError(file: string | undefined, message: string, hint?: string): DataError {
  return new DataError('E_NPY', message, {
    ...(file === undefined ? {} : { file }),
    ...(hint === undefined ? {} : { hint }),
  });
}

/** Parse the header dictionary, a Python literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
function parseHeader(
  text: string,
  file: string | undefined,
): { descr: string; fortran: boolean; shape: number[] } {
  const src = text.trim();
  if (!src.startsWith('{') || !src.endsWith('}'))
    throw npyError(file, `malformed .npy header: ${JSON.stringify(src)}`);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(src);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(src);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(src);
  if (descr === null || fortran === null || shape === null) {
    throw npyError(file, `.npy header lacks descr, fortran_order or shape: ${JSON.stringify(src)}`);
  }
  const dims: number[] = [];
  for (const part of shape[1]!.split(',')) {
    const s = part.trim();
    if (s === '') continue;
    if (!/^\d+L?$/.test(s)) throw npyError(file, `bad dimension ${JSON.stringify(s)} in .npy shape`);
    dims.push(Number.parseInt(s, 10));
  }
  return { descr: descr[1]!, fortran: fortran[1] === 'True', shape: dims };
}

const LITTLE_ENDIAN_PLATFORM = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decode a whole .npy file held in memory. `file` only names it in errors. The data is a view of
 * `bytes` where their order and alignment allow (the usual case), else a copy.
 */
export function parseNpy(bytes: Uint8Array, file?: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw npyError(file, 'not a .npy file (no \\x93NUMPY magic)');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw npyError(file, 'truncated .npy header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw npyError(
      file,
      `unsupported .npy format version ${major}.${minor}`,
      'versions 1.0, 2.0 and 3.0 are read',
    );
  }
  if (headerStart + headerLen > bytes.length) throw npyError(file, 'truncated .npy header');
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLen);
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const { descr, fortran, shape } = parseHeader(headerText, file);
  if (fortran) {
    throw npyError(
      file,
      '.npy array is in Fortran order',
      'save it in C order: np.save(path, np.ascontiguousarray(a))',
    );
  }
  const m = /^([<>|=])f(4|8)$/.exec(descr);
  if (m === null) {
    throw npyError(
      file,
      `unsupported .npy dtype ${JSON.stringify(descr)}`,
      'score maps must be float32 or float64',
    );
  }
  const size = m[2] === '4' ? 4 : 8;
  // '=' is native order of the writer; numpy always writes '<' or '>' for multi-byte types.
  const little = m[1] !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const need = count * size;
  if (bytes.length - dataStart < need) {
    throw npyError(
      file,
      `truncated .npy data: ${bytes.length - dataStart} bytes for shape (${shape.join(', ')}) of ${size}-byte floats (${need} bytes)`,
    );
  }
  let data: Float32Array | Float64Array;
  const at = bytes.byteOffset + dataStart;
  if (little === LITTLE_ENDIAN_PLATFORM && at % size === 0) {
    // The platform's byte order, aligned (numpy pads the header to 64 bytes): a view, no copy.
    data = size === 4 ? new Float32Array(bytes.buffer, at, count) : new Float64Array(bytes.buffer, at, count);
  } else if (size === 4) {
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + i * 4, little);
  } else {
    data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat64(dataStart + i * 8, little);
  }
  return { shape, dtype: size === 4 ? 'float32' : 'float64', data, version: [major, minor] };
}

/** Read a .npy file. */
export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFileSync(path);
  } catch (cause) {
    throw new DataError('E_NPY', `cannot read .npy file: ${readFailureReason(cause, path)}`, {
      file: path,
      cause,
    });
  }
  return parseNpy(bytes, path);
}

/** Read a .npy file, asynchronously. */
export async function readNpyAsync(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path);
  } catch (cause) {
    throw new DataError('E_NPY', `cannot read .npy file: ${readFailureReason(cause, path)}`, {
      file: path,
      cause,
    });
  }
  return parseNpy(bytes, path);
}

/** The (height, width) of a score-map array: 2-D, or more with the extra axes of length 1. */
export function scoreMapShape(shape: readonly number[], file?: string): { height: number; width: number } {
  const dims = shape.filter((d) => d !== 1);
  if (shape.length < 2) {
    throw npyError(file, `score map must be a 2-D array, got shape (${shape.join(', ')})`);
  }
  if (dims.length > 2) throw npyError(file, `score map must be a 2-D array, got shape (${shape.join(', ')})`);
  // Keep the last two axes when squeezing leaves fewer than two (e.g. (1, 1, 7) -> H=1, W=7).
  if (dims.length < 2) {
    const h = shape[shape.length - 2]!;
    const w = shape[shape.length - 1]!;
    if (shape.some((d, i) => i < shape.length - 2 && d !== 1)) {
      throw npyError(file, `score map must be a 2-D array, got shape (${shape.join(', ')})`);
    }
    return { height: h, width: w };
  }
  return { height: dims[0]!, width: dims[1]! };
}

/** A score map (values as float32) from an array read from .npy. */
export function npyToScoreMap(array: NpyArray, file?: string): ScoreMap {
  const { height, width } = scoreMapShape(array.shape, file);
  if (width === 0 || height === 0)
    throw npyError(file, `score map is empty: shape (${array.shape.join(', ')})`);
  const data = array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
  return { width, height, data };
}

/** Read a 2-D float32/float64 .npy file as a score map (float64 values rounded to float32). */
export function readScoreMapNpy(path: string): ScoreMap {
  return npyToScoreMap(readNpy(path), path);
}

/** Encode an array as a version 1.0, little-endian float32 .npy file. */
export function encodeNpyFloat32(shape: readonly number[], data: ArrayLike<number>): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || count !== data.length) {
    throw new UsageError(`shape (${shape.join(', ')}) does not match ${data.length} values`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces and a final newline so that 10 + header length is a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - 10 - header.length - 1) + '\n';
  if (header.length > 65535) throw new UsageError('shape too long for a version 1.0 .npy header');
  const out = new Uint8Array(total + count * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  for (let i = 0; i < count; i++) view.setFloat32(total + i * 4, data[i]!, true);
  return out;
}

/**
 * Write a score map as a float32 (height, width) .npy file (folders are created). Written whole
 * through a temporary file and a rename: a link where the file goes is replaced, not followed.
 */
export function writeScoreMapNpy(path: string, map: ScoreMap): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicSync(path, encodeNpyFloat32([map.height, map.width], map.data));
}

/** Asynchronous `writeScoreMapNpy`. */
export async function writeScoreMapNpyAsync(path: string, map: ScoreMap): Promise<void> {
  await makeFolders(dirname(path));
  await writeFileAtomic(path, encodeNpyFloat32([map.height, map.width], map.data));
}

/**
 * wsolevaluation's score-map path: `<camDir>/<image_id>.npy`, e.g. image id
 * `val/ILSVRC2012_val_00000001.JPEG` gives `<camDir>/val/ILSVRC2012_val_00000001.JPEG.npy`
 * (its code appends `.npy` to the whole id; see `scoreMapPathCandidates` for the other spelling).
 * Ids must be relative and must not climb out of the folder.
 */
export function scoreMapPath(camDir: string, imageId: string): string {
  const parts = imageId.split(/[\\/]/);
  if (
    imageId === '' ||
    imageId.startsWith('/') ||
    /^[A-Za-z]:/.test(imageId) ||
    parts.some((p) => p === '..')
  ) {
    throw new UsageError(`image id ${JSON.stringify(imageId)} cannot name a file under the score-map folder`);
  }
  return join(camDir, `${imageId}.npy`);
}

/**
 * Where a score map may be, in order: `<id>.npy` (what wsolevaluation's code reads and writes),
 * then `<id without extension>.npy` (what its documentation describes).
 */
export function scoreMapPathCandidates(camDir: string, imageId: string): string[] {
  const first = scoreMapPath(camDir, imageId);
  const stem = imageId.replace(/\.[^./\\]*$/, '');
  return stem === imageId ? [first] : [first, join(camDir, `${stem}.npy`)];
}
