/**
 * Reading a file the user named, only when it is a regular file. A FIFO opened for reading
 * blocks until a writer comes (forever, for a planted one), and a device such as /dev/zero never
 * ends, so every reader of user files opens without blocking (O_NONBLOCK), asks the descriptor
 * what it opened (fstat, so no swap between a check and the open) and refuses anything else.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { FileError } from '../errors.js';

// O_NONBLOCK does not exist on Windows, where FIFOs are no file-system objects anyway.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a non-regular file is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function notRegular(path: string, stats: Stats): FileError {
  const kind = kindOf(stats);
  return new FileError(kind === 'not a regular file' ? kind : `is ${kind}, not a regular file`, {
    file: path,
    hint: 'only regular files are read',
  });
}

/**
 * The descriptor of `path`, opened for reading without blocking, once it is known to be a
 * regular file. Throws the open's own error (ENOENT, EACCES) or a FileError for any other kind.
 */
export function openRegularFileSync(path: string): number {
  const fd = openSync(path, READ_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notRegular(path, stats);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Throws as `openRegularFileSync` does when `path` is not a regular file that can be opened. */
export function assertRegularFileSync(path: string): void {
  closeSync(openRegularFileSync(path));
}

/** A regular file's bytes (see `openRegularFileSync` for what is refused). */
export function readRegularFileSync(path: string): Buffer {
  const fd = openRegularFileSync(path);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `readRegularFileSync`, asynchronously. */
export async function readRegularFile(path: string): Promise<Buffer>;
export async function readRegularFile(path: string, encoding: 'utf8'): Promise<string>;
export async function readRegularFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  const handle = await open(path, READ_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegular(path, stats);
    return encoding === undefined ? await handle.readFile() : await handle.readFile(encoding);
  } finally {
    await handle.close();
  }
}

/**
 * Why a read failed, in words for a message: the FileError's own text, a name that is not valid
 * UTF-8 (which Node cannot open: it reads such a name with U+FFFD in place of the bad bytes), or
 * the system's code.
 */
export function readFailureReason(error: unknown, path: string): string {
  if (error instanceof FileError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' && path.includes('\uFFFD')) {
    return 'its name is not valid UTF-8, so it cannot be opened by that name (rename the file) (ENOENT)';
  }
  if (code === 'ENOENT') return 'no such file (ENOENT)';
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
