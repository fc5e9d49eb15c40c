/**
 * ONNX external data: reading a tensor's bytes from a file next to the model (TensorProto
 * external_data: location, offset, length). Owns the path rule: only files inside the model's
 * folder, after links are resolved, may be read.
 *
 * `readExternalData` (about 100 lines) stays whole: one read, each check (location, confinement,
 * regular file, offset, length against the dims and the array limit) guarding the next.
 */
import { kMaxLength } from 'node:buffer';
import { closeSync, fstatSync, readSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { FileError, ModelError } from '../errors.js';
import { openRegularFileSync, readFailureReason } from '../files/regular-file.js';

/** The most bytes one typed array can hold here (4 GiB on 64-bit Node 20). */
const MAX_TENSOR_BYTES = kMaxLength;

/** What a tensor says about its external data, and who asks. */
export interface ExternalDataRequest {
  /** TensorProto.external_data entries (location, offset, length, ...). */
  readonly entries: Readonly<Record<string, string>> | undefined;
  /** The bytes the tensor's type and shape need, when its type has a fixed element size. */
  readonly expectedBytes: number | undefined;
  /** The model file the location is relative to (undefined: the model was not read from a file). */
  readonly modelPath: string | undefined;
  /** The tensor, for messages: `initializer 'w'`. */
  readonly where: string;
}

/** Throws the format error of `request`'s tensor. */
function failure({ modelPath, where }: ExternalDataRequest): (message: string) => never {
  return (message) => {
    throw new ModelError('E_MODEL_FORMAT', `${where}: ${message}`, { file: modelPath });
  };
}

/** The external data's bytes. Throws ModelError naming the model file and the tensor. */
export function readExternalData(request: ExternalDataRequest): Uint8Array {
  const { modelPath, where } = request;
  const fail: (message: string) => never = failure(request);
  const ext = request.entries ?? {};
  const { location, real } = confinedLocation(request);
  const offset = ext.offset === undefined ? 0 : Number(ext.offset);
  const expected = request.expectedBytes;
  let fd: number;
  try {
    fd = openRegularFileSync(real);
  } catch (cause) {
    const why = cause instanceof FileError ? `: it ${readFailureReason(cause, real)}` : '';
    throw new ModelError(
      'E_MODEL_READ',
      `${where}: external data file '${location}' cannot be opened${why}`,
      {
        file: modelPath,
        cause,
      },
    );
  }
  try {
    const fileSize = fstatSync(fd).size;
    const length = ext.length === undefined ? (expected ?? fileSize - offset) : Number(ext.length);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      fail(`external data offset/length ${ext.offset}/${ext.length} are not valid`);
    }
    if (expected !== undefined && length !== expected) {
      fail(
        `external data '${location}' declares ${length} bytes, the tensor's type and shape need ${expected}`,
      );
    }
    if (offset + length > fileSize) {
      fail(
        `external data '${location}' is truncated: needs bytes ${offset}..${offset + length}, file has ${fileSize}`,
      );
    }
    if (length > MAX_TENSOR_BYTES) {
      fail(
        `external data '${location}' holds ${length} bytes for one tensor, more than the ${MAX_TENSOR_BYTES} one array can hold`,
      );
    }
    let out: Uint8Array;
    try {
      out = new Uint8Array(length);
    } catch (cause) {
      // below the limit, but more than this machine will give (ArrayBuffer allocation failed)
      throw new ModelError(
        'E_MODEL_READ',
        `${where}: ${length} bytes of external data do not fit in memory`,
        {
          file: modelPath,
          cause,
        },
      );
    }
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n <= 0) break;
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * The file the external data lies in, after links: a relative location that stays inside the
 * model's folder, before and after its links are resolved.
 */
function confinedLocation(request: ExternalDataRequest): { location: string; real: string } {
  const { modelPath, where } = request;
  const fail: (message: string) => never = failure(request);
  const location = request.entries?.location;
  if (location === undefined || location === '') fail('external data without a location');
  if (modelPath === undefined) {
    fail(`external data '${location}' cannot be resolved: the model was not read from a file`);
  }
  if (isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location) || location.startsWith('\\')) {
    fail(
      `external data location '${location}' is absolute; only paths inside the model's folder are allowed`,
    );
  }
  const dir = dirname(resolve(modelPath));
  const target = resolve(dir, location);
  const inside = (root: string, p: string) => {
    const rel = relative(root, p);
    return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
  };
  if (!inside(dir, target)) {
    fail(`external data location '${location}' resolves outside the model's folder ${dir}`);
  }
  let real: string;
  let realDir: string;
  try {
    real = realpathSync(target);
    realDir = realpathSync(dir);
  } catch (cause) {
    throw new ModelError('E_MODEL_READ', `${where}: external data file '${location}' cannot be read`, {
      file: modelPath,
      cause,
      hint: 'keep the external data files next to the .onnx file',
    });
  }
  if (!inside(realDir, real)) {
    fail(`external data location '${location}' links outside the model's folder ${realDir}`);
  }
  return { location, real };
}
