/**
 * File-system failures said plainly: which file or folder, and the real cause (a read-only file
 * system, no permission, a full disk), never a bare errno without a path.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CamLocalizeError, DataError, UsageError } from '@cam-localize/core';

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
};

/** The errno code of a Node file-system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/**
 * A typed error naming `path` and the cause of a failed write. `usage` makes it a usage error
 * (exit 2: a folder the user named cannot be used); otherwise a data error.
 */
export function writeFailure(error: unknown, path: string, options: { usage?: boolean } = {}): Error {
  if (error instanceof CamLocalizeError) return error;
  const code = errnoCode(error);
  if (code === undefined) return error instanceof Error ? error : new Error(String(error));
  const cause = CAUSES[code] ?? `could not be written (${code})`;
  // A folder that cannot be created: name the existing folder that refuses, not the missing one.
  const culprit = PERMISSION_CODES.has(code) ? nearestExisting(path) : path;
  const message =
    culprit === path ? `${path} ${cause} [${code}]` : `cannot create ${path}: ${culprit} ${cause} [${code}]`;
  const Kind = options.usage ? UsageError : DataError;
  return new Kind(options.usage ? 'E_USAGE' : 'E_DATASET', message, { cause: error });
}

const PERMISSION_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);

function nearestExisting(path: string): string {
  let current = resolve(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * Checks once, before the first image, that a folder the user named (`--save-cams`,
 * `--overlays`) can be created and written, so an unwritable one stops the run at once (exit 2)
 * instead of failing every image.
 */
export async function assertWritableFolder(folder: string, flag: string): Promise<void> {
  const probe = join(folder, `.cam-localize-write-check-${process.pid}`);
  try {
    await mkdir(folder, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const failure = writeFailure(error, folder, { usage: true });
    throw new UsageError('E_USAGE', `${flag}: ${failure.message}`, { cause: error });
  }
}

/** Runs a write, turning a file-system failure into `writeFailure(error, path)`. */
export async function namedWrite<T>(path: string, write: () => Promise<T> | T): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw writeFailure(error, path);
  }
}
