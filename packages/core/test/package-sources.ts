/** The source files of every package, for the tests that read the code itself (import graph, function length). */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the packages. */
export const PACKAGES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The packages, lowest layer first. */
export const PACKAGES = ['core', 'localize', 'eval', 'cli'] as const;

/** Every .ts / .cts file under `dir`, declarations left out. */
export function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.c?ts$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}
