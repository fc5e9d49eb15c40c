/**
 * Numeric flags are checked where they are parsed (a usage error naming the flag, exit 2), and the
 * run fingerprint holds the settings as parsed: `--threshold 20%` and `0.2` are one run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { ilsvrcSubset } from '../fixtures.js';

describe('numeric flags', () => {
  for (const [args, message] of [
    [
      ['run', 'ds', '--model', 'm.onnx', '--min-area', '-1'],
      "--min-area expects a whole number >= 0, got '-1'",
    ],
    [
      ['run', 'ds', '--model', 'm.onnx', '--gallery', 'many'],
      "--gallery expects a whole number >= 0, got 'many'",
    ],
    [['report', 'runs/x', '--gallery', '2.5'], "--gallery expects a whole number >= 0, got '2.5'"],
    [['eval', 'ds', '--cams', 'cams', '--interval', '0'], "--interval expects a number in (0, 0.5], got '0'"],
    [
      ['eval', 'ds', '--cams', 'cams', '--interval', 'NaN'],
      "--interval expects a number in (0, 0.5], got 'NaN'",
    ],
  ] as const) {
    it(`${args.slice(-2).join(' ')} is refused with exit 2`, async () => {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    });
  }
});

describeWithTestBed('the run fingerprint holds settings as parsed', () => {
  it('--threshold 20% then --resume --threshold 0.2 is the same run', async () => {
    const dataset = ilsvrcSubset(2);
    const out = mkdtempSync(join(tmpdir(), 'cam-threshold-'));
    const base = [
      'run',
      dataset,
      '--model',
      shared('models', 'mobilenetv1-0.25-128-imagenet.onnx'),
      '--preset',
      'mobilenet',
      '--out',
      out,
      '--no-report',
    ];
    const first = await runCli([...base, '--threshold', '20%']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).fingerprint.threshold).toBe('0.2');
    const resumed = await runCli([...base, '--threshold', '0.2', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const other = await runCli([...base, '--threshold', '0.3', '--resume']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('threshold: "0.2" then, "0.3" now');
  });
});
