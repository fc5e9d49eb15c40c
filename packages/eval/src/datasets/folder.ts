/**
 * A plain folder of images, searched recursively (hidden entries skipped), sorted by path; no
 * ground truth. Ids are paths relative to the folder.
 */
import { readdir } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { dataError } from './text.js';
import type { Dataset, DatasetItem } from './types.js';
import { IMAGE_EXTENSIONS } from './voc.js';

export async function readImageFolder(root: string): Promise<Dataset> {
  const absRoot = resolve(root);
  const files: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase())) files.push(p);
    }
  };
  await walk(absRoot);
  if (files.length === 0)
    throw dataError(absRoot, undefined, 'no images found', `extensions: ${IMAGE_EXTENSIONS.join(' ')}`);
  const ids = files.map((f) => relative(absRoot, f).split(sep).join('/'));
  const order = ids.map((_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
  const items: DatasetItem[] = order.map((i) => ({ id: ids[i]!, file: files[i]!, boxes: [] }));
  return { root: absRoot, format: 'folder', items };
}
