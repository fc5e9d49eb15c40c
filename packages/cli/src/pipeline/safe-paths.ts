/**
 * Output paths named after dataset ids. Ids come from files a user may have downloaded
 * (`image_ids.txt`, annotation XML), so an id is never trusted to stay in the folder it is
 * written to: every writer goes through `pathInside`, which refuses an id that is absolute,
 * climbs with `..`, or otherwise resolves outside the folder.
 */
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DataError } from '@cam-localize/core';
import { makeFolderInside, writeFileAtomic } from '@cam-localize/core/workers';

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
 * `pathInside`, with its parent folders created one at a time and checked before each is made,
 * so a link planted inside the output folder cannot carry a folder or a write elsewhere (a
 * FileError, and nothing created outside). The path returned is under the folder's real path.
 */
export async function writablePathInside(folder: string, id: string, suffix = ''): Promise<string> {
  const path = pathInside(folder, id, suffix);
  return join(await makeFolderInside(folder, dirname(path)), basename(path));
}

/**
 * Writes `<folder>/<name>` whole (a temporary file, then a rename: a link planted there is
 * replaced, not followed; a failure names the file), its folders created as
 * `writablePathInside` does. Returns the path written.
 */
export async function writeInside(folder: string, name: string, data: string | Uint8Array): Promise<string> {
  const path = await writablePathInside(folder, name);
  await writeFileAtomic(path, data);
  return join(folder, name);
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
