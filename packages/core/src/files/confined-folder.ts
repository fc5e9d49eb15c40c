/**
 * Creating the folders of an output path. `mkdir -p` would follow a link planted inside an
 * output folder and create folders wherever it leads; here each folder below the output folder
 * is checked before the next is created, and one that is (or leads through) a link outside the
 * output folder stops the write before anything is created. Folders are made one at a time, so a
 * failure reports its real cause (Node's recursive mkdir says ENOENT on a read-only file system).
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FileError } from '../errors.js';
import { fileWriteError } from './write-failure.js';

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function code(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/**
 * Creates `folder` and its missing parents (a folder the user named: links on its path are the
 * user's to choose). Throws a FileError naming the folder and the cause.
 */
export async function makeFolders(folder: string): Promise<void> {
  const target = resolve(folder);
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      if ((await stat(current)).isDirectory()) break;
      throw Object.assign(new Error(`${current} is not a folder`), { code: 'ENOTDIR' });
    } catch (error) {
      if (code(error) !== 'ENOENT' || dirname(current) === current) throw fileWriteError(error, folder);
    }
    missing.push(current);
    current = dirname(current);
  }
  for (const path of missing.reverse()) {
    try {
      await mkdir(path);
    } catch (error) {
      if (code(error) !== 'EEXIST' || !(await stat(path)).isDirectory()) throw fileWriteError(error, folder);
    }
  }
}

/**
 * Creates `folder`, which lies inside `root` (the output folder), and returns its real path.
 * `root` is created as `makeFolders` does; below it, every existing folder must be a folder whose
 * real path stays inside root's, and missing ones are created one by one under the checked real
 * parent. A folder that leads outside is refused with a FileError before anything is created.
 */
export async function makeFolderInside(root: string, folder: string): Promise<string> {
  const base = resolve(root);
  const target = resolve(base, folder);
  if (!isInside(base, target)) {
    throw new FileError(`${target} lies outside the output folder ${base}; refused`, { file: target });
  }
  await makeFolders(base);
  const realRoot = await realpath(base);
  let current = realRoot;
  for (const part of relative(base, target)
    .split(sep)
    .filter((p) => p !== '')) {
    const next = join(current, part);
    let isLink = false;
    try {
      const info = await lstat(next);
      isLink = info.isSymbolicLink();
      if (!isLink && !info.isDirectory()) {
        throw Object.assign(new Error(`${next} is not a folder`), { code: 'ENOTDIR' });
      }
    } catch (error) {
      if (code(error) !== 'ENOENT') throw fileWriteError(error, target);
      try {
        await mkdir(next);
      } catch (made) {
        if (code(made) !== 'EEXIST') throw fileWriteError(made, target);
        isLink = (await lstat(next)).isSymbolicLink();
      }
    }
    const real = isLink ? await realpath(next).catch(() => undefined) : next;
    if (real === undefined || !isInside(realRoot, real)) {
      throw new FileError(
        `${join(base, relative(realRoot, next))} is a symbolic link that leads outside the output folder ${base}; refused`,
        { file: target, hint: 'remove the link, or choose another output folder' },
      );
    }
    if (isLink && !(await stat(real)).isDirectory()) {
      throw fileWriteError(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }), target);
    }
    current = real;
  }
  return current;
}
