/**
 * Output paths named after dataset ids. Ids come from files a user may have downloaded
 * (`image_ids.txt`, annotation XML), so an id is never trusted to stay in the folder it is
 * written to: every writer goes through `pathInside`, which refuses an id that is absolute,
 * climbs with `..`, or otherwise resolves outside the folder.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { DataError } from '@cam-localize/core';

/** An id that would make a writer leave its folder. */
export class UnsafePathError extends DataError {
  constructor(
    readonly id: string,
    readonly folder: string,
  ) {
    super('E_DATASET', `image id ${JSON.stringify(id)} would write outside ${folder}; refused`, {
      hint: 'ids must be relative paths without ".." segments',
    });
  }
}

/** `<folder>/<id><suffix>`, or an UnsafePathError when that would not lie inside `folder`. */
export function pathInside(folder: string, id: string, suffix = ''): string {
  const segments = id.split(/[\\/]/);
  if (
    id === '' ||
    id.includes('\0') ||
    isAbsolute(id) ||
    /^[A-Za-z]:/.test(id) ||
    id.startsWith('\\') ||
    segments.includes('..')
  ) {
    throw new UnsafePathError(id, folder);
  }
  const base = resolve(folder);
  const path = resolve(base, `${id}${suffix}`);
  if (!isInside(base, path)) throw new UnsafePathError(id, folder);
  return path;
}

/**
 * `pathInside`, with its parent folders created and checked again after symbolic links, so a
 * link inside the output folder cannot carry a write elsewhere either.
 */
export async function writablePathInside(folder: string, id: string, suffix = ''): Promise<string> {
  const path = pathInside(folder, id, suffix);
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  const [realFolder, realParent] = await Promise.all([realpath(folder), realpath(parent)]);
  if (realParent !== realFolder && !isInside(realFolder, realParent)) throw new UnsafePathError(id, folder);
  return path;
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
