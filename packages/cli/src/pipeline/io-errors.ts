/**
 * File-system failures said plainly: which file or folder, and the real cause (a read-only file
 * system, no permission, a full disk), never a bare errno without a path.
 */
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { FileError, fileWriteError, makeFolders } from '@cam-localize/core/workers';

export { errnoCode } from '@cam-localize/core/workers';

/**
 * A typed error naming `path` and the cause of a failed write (core's `fileWriteError`). `usage`
 * makes it a usage error (exit 2: a folder the user named cannot be used); otherwise a FileError.
 */
export function writeFailure(error: unknown, path: string, options: { usage?: boolean } = {}): Error {
  const failure = fileWriteError(error, path);
  if (options.usage && failure instanceof FileError) {
    return new UsageError(failure.message, { cause: error });
  }
  return failure;
}

/**
 * Checks once, before the first image, that a folder the user named (`--save-cams`,
 * `--overlays`) can be created and written, so an unwritable one stops the run at once (exit 2)
 * instead of failing every image.
 */
export async function assertWritableFolder(folder: string, flag: string): Promise<void> {
  try {
    await makeFolders(folder);
    // Created exclusively (no planted link followed), then removed.
    const probe = join(folder, `.cam-localize-write-check-${process.pid}`);
    closeSync(openSync(probe, 'wx'));
    rmSync(probe, { force: true });
  } catch (error) {
    const failure = writeFailure(error, folder, { usage: true });
    throw new UsageError(`${flag}: ${failure.message}`, { cause: error });
  }
}
