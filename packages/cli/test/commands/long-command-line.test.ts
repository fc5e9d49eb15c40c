import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { ILSVRC } from '../fixtures.js';

/**
 * `predict a.jpg b.jpg ...` with a few hundred files, as a shell glob gives them: onnxruntime's
 * session set-up on the session thread used to overflow that worker's default stack once the
 * command line was this long, killing the process with a segmentation fault and no message.
 */
describeWithTestBed('a long command line', () => {
  it('predict takes 250 file arguments and records every image', async () => {
    const folder = join(ILSVRC, 'images');
    const files = readdirSync(folder)
      .sort()
      .slice(0, 250)
      .map((name) => join(folder, name));
    const result = await runCli([
      'predict',
      ...files,
      '--model',
      shared('models', 'untrained', 'resnet18.onnx'),
      '--json',
    ]);
    expect(result.code, result.stderr.slice(-500)).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string });
    expect(records).toHaveLength(250);
    expect(records.every((r) => r.status === 'ok')).toBe(true);
  });
});
