import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '@cam-localize/core';
import fg from 'fast-glob';

/** The image extensions `predict` picks up from folders and globs. */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'avif', 'bmp'];

/**
 * Files, folders (searched recursively for images) and globs to a sorted, de-duplicated list of
 * absolute image paths. A named file that does not exist is a usage error; a glob or folder that
 * matches nothing is one too, so a typo never produces an empty run.
 */
export async function discoverImages(patterns: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const found = new Set<string>();
  const extensions = `{${IMAGE_EXTENSIONS.flatMap((e) => [e, e.toUpperCase()]).join(',')}}`;
  for (const pattern of patterns) {
    const path = resolve(cwd, pattern);
    const info = await stat(path).catch(() => undefined);
    let matches: string[];
    if (info?.isFile()) matches = [path];
    else if (info?.isDirectory()) {
      matches = await fg(`**/*.${extensions}`, { cwd: path, absolute: true, onlyFiles: true, dot: false });
    } else if (fg.isDynamicPattern(pattern)) {
      matches = await fg(pattern, { cwd, absolute: true, onlyFiles: true });
    } else {
      throw new UsageError('E_USAGE', `no such file or folder: ${pattern}`);
    }
    if (matches.length === 0) throw new UsageError('E_USAGE', `no images found for '${pattern}'`);
    for (const m of matches) found.add(m);
  }
  return [...found].sort();
}
