/**
 * The dataset-root rule: every image, mask or annotation path a dataset names must resolve, after
 * symbolic links, inside the dataset root (or an image / mask root the caller gave explicitly).
 * Absolute paths in metadata and `..` that climbs out are refused, and so are links that point
 * outside, unless the caller opts in (`allowOutsideRoot`, the CLI's `--allow-outside-root`): a
 * dataset is data, and must not make the tool read (and embed in a report) any file on the disk.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { DataError } from '@cam-localize/core';
import { dataError } from './text.js';

const OPT_IN =
  'to read it anyway, pass --allow-outside-root (run, eval) or allowOutsideRoot: true (readDataset)';

function real(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export class PathConfinement {
  private readonly roots: string[];

  /**
   * @param roots the dataset root first, then any image or mask root the caller named.
   * @param allow whether paths outside the roots are let through.
   */
  constructor(
    roots: readonly string[],
    readonly allow: boolean,
  ) {
    const all = new Set<string>();
    for (const r of roots) {
      all.add(resolve(r));
      const rr = real(r);
      if (rr !== undefined) all.add(rr);
    }
    this.roots = [...all];
  }

  /**
   * The problem with a path the dataset names, or undefined when it may be read. `written` is the
   * path as the metadata spells it (undefined for paths found by listing a folder); `path` the
   * absolute path it resolves to; `file` and `line` where it is named.
   */
  check(path: string, written: string | undefined, file: string, line?: number): DataError | undefined {
    if (this.allow) return undefined;
    const what = written === undefined ? JSON.stringify(path) : JSON.stringify(written);
    if (written !== undefined && isAbsolute(written)) {
      return dataError(
        file,
        line,
        `path ${what} is absolute; dataset paths must be relative to the dataset root`,
        OPT_IN,
      );
    }
    const abs = resolve(path);
    if (!this.roots.some((r) => inside(r, abs))) {
      return dataError(
        file,
        line,
        `path ${what} resolves outside the dataset root ${this.roots[0]}: ${abs}`,
        OPT_IN,
      );
    }
    const target = real(abs);
    if (target !== undefined && !this.roots.some((r) => inside(r, target))) {
      return dataError(
        file,
        line,
        `path ${what} is a symbolic link (or lies under one) that leads outside the dataset root ${this.roots[0]}: ${target}`,
        OPT_IN,
      );
    }
    return undefined;
  }

  /** `check`, throwing the problem. */
  assert(path: string, written: string | undefined, file: string, line?: number): void {
    const problem = this.check(path, written, file, line);
    if (problem !== undefined) throw problem;
  }
}

/** The confinement of a reader: the dataset root, plus the image / mask roots the caller named. */
export function confinementFor(
  absRoot: string,
  options: { allowOutsideRoot?: boolean; imageRoot?: string; maskRoot?: string },
): PathConfinement {
  const given = [options.imageRoot, options.maskRoot].filter((r): r is string => r !== undefined);
  return new PathConfinement(
    [absRoot, ...given.map((r) => resolve(absRoot, r))],
    options.allowOutsideRoot === true,
  );
}
