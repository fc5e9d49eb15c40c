/**
 * A plain folder of images, searched recursively (hidden entries skipped), sorted by path; no
 * ground truth. Ids are paths relative to the folder. Symbolic links to files and folders are
 * followed (`Dirent.isFile()` is false for a link, so each entry is stat-ed through it); a folder
 * is entered once per real path, so links that loop (`sub/up -> ..`) end the walk instead of
 * repeating it. Links may lead outside the folder (a folder of links to a central copy).
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { confinementFor } from './confine.js';
import { ProblemList } from './problems.js';
import { dataError, withoutControl } from './text.js';
import type { Dataset, DatasetItem, ReadDatasetOptions } from './types.js';
import { IMAGE_EXTENSIONS } from './voc.js';

export async function readImageFolder(
  root: string,
  options: Pick<ReadDatasetOptions, 'allowOutsideRoot' | 'maxProblems'> = {},
): Promise<Dataset> {
  const absRoot = resolve(root);
  const problems = new ProblemList(absRoot, options.maxProblems);
  const confine = confinementFor(absRoot, options);
  const files: string[] = [];
  const visited = new Set<string>();
  const walk = async (dir: string) => {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      let kind: 'dir' | 'file' | 'other' = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
      if (e.isSymbolicLink()) {
        const target = await stat(p).catch(() => undefined);
        if (target === undefined) continue; // a dangling link names no image
        kind = target.isDirectory() ? 'dir' : target.isFile() ? 'file' : 'other';
        if (
          kind === 'other' ||
          (kind === 'file' && !IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
        )
          continue;
        const problem = confine.check(p, undefined, p);
        if (problem !== undefined) {
          problems.add(problem);
          continue;
        }
      }
      const isImage = kind === 'file' && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase());
      if (
        (kind === 'dir' || isImage) &&
        problems.guard(() => withoutControl(relative(absRoot, p), dir, undefined, 'path')) === undefined
      )
        continue;
      if (kind === 'dir') await walk(p);
      else if (isImage) files.push(p);
    }
  };
  await walk(absRoot);
  problems.throwIfAny();
  if (files.length === 0)
    throw dataError(absRoot, undefined, 'no images found', `extensions: ${IMAGE_EXTENSIONS.join(' ')}`);
  const ids = files.map((f) => relative(absRoot, f).split(sep).join('/'));
  const order = ids.map((_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
  const items: DatasetItem[] = order.map((i) => ({ id: ids[i]!, file: files[i]!, boxes: [] }));
  return { root: absRoot, format: 'folder', items };
}
