/**
 * The dataset-root rule: every image, mask or annotation path a dataset's text names must stay, as
 * written, inside the dataset root (or an image / mask root the caller gave explicitly): absolute
 * paths and `..` that climbs out are refused unless the caller opts in (`allowOutsideRoot`, the
 * CLI's `--allow-outside-root`), so annotation text cannot make the tool read (and embed in a
 * report) any file on the disk. Symbolic links that sit in the dataset folder are followed, wherever
 * they lead, as torchvision's ImageFolder and wsolevaluation do: a link is placed by whoever owns
 * the folder (many labs link `val/` or each image to one central ImageNet copy), not by its text.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { DataError } from '@cam-localize/core';
import { dataError } from './text.js';

const OPT_IN = 'to read it anyway, pass `allowOutsideRoot`';

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
