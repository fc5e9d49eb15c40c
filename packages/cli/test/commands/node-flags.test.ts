import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ilsvrcSubset, readJsonLines } from '../fixtures.js';

/** Node flags given to the bin reach its worker threads, V8 ones included (Node refuses those in an explicit list). */
describeWithTestBed('cam-localize under node flags', () => {
  it('runs predict under `node --max-old-space-size=1024`, its workers and session thread included', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cam-node-flags-'));
    const images = join(ilsvrcSubset(3), 'images');
    const result = await runCli(
      ['predict', images, '--model', FAST_MODEL, '--preset', 'mobilenet', '--workers', '2', '--out', out],
      { nodeFlags: ['--max-old-space-size=1024'] },
    );
    expect(result.code, result.stderr).toBe(0);
    const records = readJsonLines(join(out, 'results.jsonl'));
    expect(records.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });
});
