/** Messages that name the real cause and the flag to change, and settings refused before the first image. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC, ilsvrcSubset } from '../fixtures.js';

const fastModelArgs = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const image = join(ILSVRC, 'images', 'ILSVRC2012_val_00000347.JPEG');

describeWithTestBed('messages and early refusals', () => {
  it('a labels file with another class count than the model is refused (exit 2), naming both counts', async () => {
    const labels = join(mkdtempSync(join(tmpdir(), 'cam-labels-')), 'five.txt');
    writeFileSync(labels, 'cat\ndog\nfox\nowl\nbee\n');
    const predicted = await runCli(['predict', image, ...fastModelArgs, '--labels', labels]);
    expect(predicted.code).toBe(2);
    expect(predicted.stderr).toMatch(
      new RegExp(`--labels ${labels} names 5 classes, but the model ${FAST_MODEL} has 100[01]\\b`),
    );
    const run = await runCli([
      'run',
      ilsvrcSubset(2),
      ...fastModelArgs,
      '--labels',
      labels,
      '--out',
      join(labels, '..', 'run'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('names 5 classes');
  });

  it('the pixel-limit error names the --max-pixels flag', async () => {
    const result = await runCli(['predict', image, ...fastModelArgs, '--max-pixels', '1000']);
    expect(result.code).toBe(1);
    // The per-image line names the flag alone, not the library's option beside it.
    expect(result.stderr).toContain(
      'more than the limit of 1000 (raise the pixel limit --max-pixels if the image is trusted)',
    );
  });

  it('predict --target gt is a usage error (no ground truth), before any image', async () => {
    const result = await runCli(['predict', image, ...fastModelArgs, '--target', 'gt']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('predict has no ground truth, so --target gt cannot be used');
    expect(result.stderr).not.toContain(image);
  });
});
