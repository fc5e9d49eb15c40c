/** Tiny dataset layouts for reader tests: fresh folders with the given files and symbolic links. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

export interface Layouts {
  /** The temporary folder of the test file (removed after it). */
  readonly tmp: string;
  /** A file outside every dataset root made here (`elsewhere/<name>`). */
  readonly outside: string;
  /** A fresh dataset folder: `files` by relative path, `links` as path -> target. */
  readonly fixture: (files: Record<string, string>, links?: Record<string, string>) => string;
}

export function layouts(prefix: string, outsideName: string): Layouts {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const outside = join(tmp, 'elsewhere', outsideName);
  mkdirSync(dirname(outside), { recursive: true });
  writeFileSync(outside, '');
  let counter = 0;
  const fixture = (files: Record<string, string>, links: Record<string, string> = {}): string => {
    const root = join(tmp, `d${counter++}`);
    mkdirSync(root, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      const p = join(root, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    for (const [name, target] of Object.entries(links)) {
      const p = join(root, name);
      mkdirSync(dirname(p), { recursive: true });
      symlinkSync(target, p);
    }
    return root;
  };
  return { tmp, outside, fixture };
}
