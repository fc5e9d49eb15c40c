/**
 * The libraries speak their own words, the command line its flags (issue 30, item 6): library
 * messages name options as `` `maxPixels` `` or `` `device: cpu` ``, never as `--flags`, and the
 * CLI says each of them as the flag that sets it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LIBRARY_OPTION_FLAGS, withFlagNames } from '../../src/flag-names.js';

const PACKAGES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const LIBRARIES = ['core', 'eval', 'localize'];

/** Source lines that are code, not comments, of the libraries. */
function codeLines(): { file: string; line: number; text: string }[] {
  const out: { file: string; line: number; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts'))
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((text, i) => {
            if (!/^\s*(\*|\/\/|\/\*)/.test(text))
              out.push({ file: path.slice(PACKAGES.length + 1), line: i + 1, text });
          });
    }
  };
  for (const pkg of LIBRARIES) walk(join(PACKAGES, pkg, 'src'));
  return out;
}

/**
 * Command lines a library message may quote whole (a command of the tool or another program), and
 * argv handling that is not a message.
 */
const QUOTED_COMMANDS =
  /`cam-localize [^`]*`|cam-localize inspect --probe|pnpm install --frozen-lockfile|--onnxruntime-node-install|docker run --gpus|--query-gpu|--format=csv|'--input-type'|--input-type=|--this\.|--level/g;

describe('library words and command-line flags', () => {
  it('says a library option as its flag, with its value, and leaves other words alone', () => {
    expect(withFlagNames('raise the pixel limit `maxPixels` if the image is trusted')).toBe(
      'raise the pixel limit --max-pixels if the image is trusted',
    );
    expect(withFlagNames('use `device: cpu`, or `workers: 0`')).toBe('use --device cpu, or --workers 0');
    expect(withFlagNames('`cam-localize inspect` lists them; `infer()` takes `notAnOption`')).toBe(
      '`cam-localize inspect` lists them; `infer()` takes `notAnOption`',
    );
  });

  it('no library message names a --flag (outside a quoted command)', () => {
    const flagged = codeLines()
      .filter(({ text }) => /(^|[\s('"`/])--[a-z]/.test(text.replace(QUOTED_COMMANDS, '')))
      .map(({ file, line, text }) => `${file}:${line}: ${text.trim()}`);
    expect(flagged).toEqual([]);
  });

  it('every option a library message names has its flag in the table', () => {
    const named = new Set<string>();
    for (const { text } of codeLines()) {
      // In a message an option sits in backticks: escaped in a template literal, bare in quotes.
      const quoted = [...text.matchAll(/'[^'\n]*'|"[^"\n]*"/g)].map((m) => m[0]).join(' ');
      const escaped = /\\`([a-z][A-Za-z]*)(?:: [^`\\]*)?\\`/g;
      const bare = /`([a-z][A-Za-z]*)(?:: [^`]*)?`/g;
      for (const m of [...text.matchAll(escaped), ...quoted.matchAll(bare)]) named.add(m[1]!);
    }
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((name) => !Object.hasOwn(LIBRARY_OPTION_FLAGS, name))).toEqual([]);
  });
});
