/**
 * A failed write said plainly: which file or folder, and the real cause (a read-only file
 * system, no permission, a full disk), never a bare errno without a path.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CamLocalizeError, FileError } from '../errors.js';

const CAUSES: Record<string, string> = {
  EROFS: 'is on a read-only file system',
  EACCES: 'is not writable (permission denied)',
  EPERM: 'is not writable (operation not permitted)',
  ENOSPC: 'could not be written: no space left on the device',
  EDQUOT: 'could not be written: disk quota exceeded',
  ENOTDIR: 'cannot be created: a part of its path is a file, not a folder',
  EEXIST: 'cannot be created: a file of that name is in the way',
  EISDIR: 'cannot be written: it is a folder',
  ENOENT: 'cannot be created: a folder on its path does not exist',
  ELOOP: 'cannot be written: it is a symbolic link',
  ENAMETOOLONG: 'cannot be created: its name is too long',
};

const PERMISSION_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);

/** The errno code of a Node file-system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/**
 * A FileError naming `path` and the cause of a failed write or folder creation. A folder that
 * cannot be created names the existing folder that refuses, not the missing one. Typed errors
 * pass through as they are.
 */
export function fileWriteError(error: unknown, path: string): Error {
  if (error instanceof CamLocalizeError) return error;
  const code = errnoCode(error);
  if (code === undefined) return error instanceof Error ? error : new Error(String(error));
  const cause = CAUSES[code] ?? `could not be written (${code})`;
  const culprit = PERMISSION_CODES.has(code) ? nearestExisting(path) : path;
  const message =
    culprit === path ? `${path} ${cause} [${code}]` : `cannot create ${path}: ${culprit} ${cause} [${code}]`;
  return new FileError(message, { cause: error });
}

function nearestExisting(path: string): string {
  let current = resolve(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}
