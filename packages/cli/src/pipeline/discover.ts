import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { UsageError } from '@cam-localize/core';

/** The image extensions `predict` picks up from folders and globs. */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'avif', 'bmp'];

const EXTENSION_SET = new Set(IMAGE_EXTENSIONS.flatMap((e) => [`.${e}`, `.${e.toUpperCase()}`]));

type FastGlob = typeof import('fast-glob');

/** fast-glob, loaded for the first name that is neither a file nor a folder (its modules cost start-up). */
async function fastGlob(): Promise<FastGlob> {
  const loaded = (await import('fast-glob')) as FastGlob & { default?: FastGlob };
  return loaded.default ?? loaded;
}

/**
 * Files, folders (searched recursively for images) and globs to a sorted, de-duplicated list of
 * absolute image paths. A named file that does not exist is a usage error; a glob or folder that
 * matches nothing is one too, so a typo never produces an empty run. Folder searches follow
 * symbolic links to folders but enter each real folder once (a link back up, `sub/up -> ..`,
 * cannot loop), and an image reached by several paths is listed once. `**` in a glob does not
 * descend into linked folders. `onOtherName` hears of each path left out that way (so that a
 * caller can say so: a folder of links to the same photos gives fewer images than files).
 */
export async function discoverImages(
  patterns: readonly string[],
  cwd = process.cwd(),
  /** Told of each path left out because another name of the same file is listed (links). */
  onOtherName?: (path: string, listed: string) => void,
): Promise<string[]> {
  const found = new Map<string, string>();
  const visitedFolders = new Set<string>();
  let fg: FastGlob | undefined;
  for (const pattern of patterns) {
    const path = resolve(cwd, pattern);
    const info = await stat(path).catch(() => undefined);
    let matches: string[];
    // A folder already searched (named twice, or inside an earlier one) adds nothing, rightly.
    const searchedBefore = info?.isDirectory() === true && visitedFolders.has(await realpath(path));
    if (info?.isFile()) matches = [path];
    else if (info?.isDirectory()) matches = await imagesUnder(path, visitedFolders);
    else if ((fg ??= await fastGlob()).isDynamicPattern(pattern)) {
      matches = await fg(pattern, { cwd, absolute: true, onlyFiles: true, followSymbolicLinks: false });
    } else {
      throw new UsageError(`no such file or folder: ${pattern}`);
    }
    if (matches.length === 0 && !searchedBefore) {
      throw new UsageError(`no images found for '${pattern}'`);
    }
    for (const m of matches) {
      const real = await realpath(m).catch(() => m);
      const listed = found.get(real);
      if (listed === undefined) found.set(real, m);
      else if (listed !== m) onOtherName?.(m, listed);
    }
  }
  return [...found.values()].sort();
}

/** Images under a folder, recursively (hidden entries skipped), each real folder entered once. */
async function imagesUnder(root: string, visited: Set<string>): Promise<string[]> {
  const images: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const kind: Dirent | Awaited<ReturnType<typeof stat>> | undefined = entry.isSymbolicLink()
        ? await stat(path).catch(() => undefined)
        : entry;
      if (kind?.isDirectory()) await walk(path);
      else if (kind?.isFile() && EXTENSION_SET.has(extname(entry.name))) images.push(path);
    }
  };
  await walk(root);
  return images;
}
