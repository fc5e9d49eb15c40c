/**
 * `pnpm fuzz` kept honest: the harness runs here on a few hundred inputs per parser (the full
 * campaign is 100,000 each) and must find no wrong-kind error and cover every parser.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASET_FORMATS } from '@cam-localize/eval';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'fuzz.mjs');

describe('pnpm fuzz', () => {
  it('feeds every parser generated inputs and no TypeError or RangeError escapes', () => {
    const result = spawnSync(process.execPath, [SCRIPT, '--count', '250', '--seed', '7'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const parsers = ['results.jsonl', ...DATASET_FORMATS.map((f) => `dataset reader ${f}`), '.npy reader'];
    for (const parser of parsers)
      expect(result.stdout).toMatch(new RegExp(`${parser.replace('.', '\\.')}.*: 250 inputs, .* 0 escaped`));
    expect(result.stdout).toContain('fuzz: no wrong-kind error escaped');
  });

  it('fails, saving the inputs, when a parser lets a wrong kind of error out', () => {
    const result = spawnSync(process.execPath, [SCRIPT, '--count', '100', '--only', 'canary', '--canary'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /canary: 100 inputs, 0 accepted, \d+ refused with a typed error, [1-9]\d* escaped/,
    );
    expect(result.stdout).toMatch(/x TypeError: Cannot read properties of null/);
    const saved = /input: (\S+)/.exec(result.stdout)?.[1];
    expect(saved && Number(readFileSync(saved, 'utf8'))).toBeLessThan(0.1);
    rmSync(dirname(dirname(saved!)), { recursive: true, force: true });
  });
});
