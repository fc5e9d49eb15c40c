/**
 * A damaged or hand-edited results.jsonl (a `null` line, a decision that is a string, boxes of the
 * wrong type): `report` and `--resume` name each bad line by its number with a usage error (exit
 * 2), never a TypeError, and the summary files of the last good report stay as they were.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { checkRunRecord } from '../../src/pipeline/record-schema.js';
import { RunDirectory } from '../../src/pipeline/run-dir.js';
import { runCli } from '../cli-process.js';
import { sampleRunConfig, sampleRunRecord } from '../run-config-sample.js';

const record = sampleRunRecord;

const lines = (records: readonly unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** A run directory with a good report written from three good records. */
async function reportedRun(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cam-damaged-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(sampleRunConfig()));
  writeFileSync(
    join(dir, 'results.jsonl'),
    lines([record('a', true), record('b', false), record('c', true)]),
  );
  const first = await runCli(['report', dir, '--no-gallery']);
  expect(first.code, first.stderr).toBe(0);
  return dir;
}

const SUMMARY_FILES = ['metrics.json', 'results.csv', 'report.md', 'report.html'];
const snapshot = (dir: string) => SUMMARY_FILES.map((name) => readFileSync(join(dir, name), 'utf8'));

/** Hostile lines, each with the message part that names what is wrong with it. */
const HOSTILE: readonly [string, unknown, RegExp][] = [
  ['a null line', null, /the line must be a record \(a JSON object\), found null/],
  [
    'a decision that is a string',
    { ...record('d', true), loc: { ...(record('d', true).loc as object), gtKnownLoc: 'yes' } },
    /"loc\.gtKnownLoc" must be true or false, found "yes"/,
  ],
  [
    'boxes of strings',
    { ...record('d', true), gtBoxes: [['10', 10, 60, 50]] },
    /"gtBoxes\[0\]\[0\]" must be a number, found "10"/,
  ],
  ['a negative width', { ...record('d', true), width: -1 }, /"width" must be a positive number, found -1/],
  ['an id that is a number', { ...record('d', true), id: 7 }, /"id" must be a string, found 7/],
  [
    'a status of its own',
    { ...record('d', true), status: 'fine' },
    /"status" must be "ok" or "error", found "fine"/,
  ],
  [
    'a score that is null (a NaN)',
    { ...record('d', true), top: [{ class: 1, score: null }] },
    /"top\[0\]\.score" must be a number, found null/,
  ],
  [
    'threshold ranges that are not pairs',
    { ...record('d', true), boxAcc: { '50': [[1]] } },
    /"boxAcc\.50\[0\]" must be \[start, end\]/,
  ],
];

describe('a damaged results.jsonl', () => {
  it.each(HOSTILE)(
    'report names %s by its line and keeps the last good summary files',
    async (_, bad, named) => {
      const dir = await reportedRun();
      const before = snapshot(dir);
      const results = join(dir, 'results.jsonl');
      writeFileSync(results, `${readFileSync(results, 'utf8')}${JSON.stringify(bad)}\n`);
      const result = await runCli(['report', dir, '--no-gallery']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${results}:4: ${named.source}`));
      expect(result.stderr).not.toMatch(/TypeError|RangeError|at .*\.js:\d+/);
      expect(snapshot(dir)).toEqual(before);
      expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    },
  );

  it('lists every bad line of a file with several, by number, in one message', async () => {
    const dir = await reportedRun();
    const results = join(dir, 'results.jsonl');
    writeFileSync(results, `null\n${lines([record('a', true)])}[]\n{"id":"b"}\n\n42\n`);
    const result = await runCli(['report', dir, '--no-gallery', '--json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${results}: 4 malformed lines: line 1: `);
    expect(result.stderr).toMatch(
      /line 3: .*; line 4: "status" must be "ok" or "error", found nothing; line 6: /,
    );
  });

  it('--resume refuses it with the same message before running anything', async () => {
    const dir = await reportedRun();
    const results = join(dir, 'results.jsonl');
    writeFileSync(results, `${readFileSync(results, 'utf8')}null\n`);
    const open = RunDirectory.open(dir, sampleRunConfig(), { resume: true, recordCheck: checkRunRecord });
    await expect(open).rejects.toThrow(UsageError);
    await expect(
      RunDirectory.open(dir, sampleRunConfig(), { resume: true, recordCheck: checkRunRecord }),
    ).rejects.toThrow(`${results}:4: the line must be a record (a JSON object), found null`);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });

  it('accepts what run writes for a failed image and for an image without ground truth', () => {
    expect(checkRunRecord({ id: 'x', file: '/x', status: 'error', error: 'cannot read' })).toBeUndefined();
    expect(
      checkRunRecord({ id: 'y', file: '/y', status: 'ok', missingGroundTruth: ['class label'], top: [] }),
    ).toBeUndefined();
  });
});
