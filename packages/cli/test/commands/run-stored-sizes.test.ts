/**
 * `run` against stored sizes that are not the images' and degenerate ground truth (issue 29):
 * the decoded image's size is compared with image_sizes.txt and an image whose stored size differs
 * fails with image_sizes.txt:line (the others go on); zero-area and wholly-outside boxes are counted
 * apart from clipped ones and warned about.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL_FLAGS, ilsvrcSubset, readJsonLines } from '../fixtures.js';

describeWithTestBed('run: stored sizes and degenerate boxes', () => {
  it('fails the image whose stored size is wrong (file:line) and counts degenerate boxes', async () => {
    const root = ilsvrcSubset(3);
    const sizesFile = join(root, 'image_sizes.txt');
    const sizes = readFileSync(sizesFile, 'utf8').trim().split('\n');
    const [wrongId, width, height] = sizes[1]!.split(',') as [string, string, string];
    sizes[1] = `${wrongId},${Number(width) * 10},${Number(height) * 10}`;
    writeFileSync(sizesFile, `${sizes.join('\n')}\n`);
    const [third, w3, h3] = sizes[2]!.split(',') as [string, string, string];
    const boxes = readFileSync(join(root, 'localization.txt'), 'utf8');
    writeFileSync(
      join(root, 'localization.txt'),
      `${boxes.trim()}\n${third},5,5,5,20\n${third},${Number(w3) + 10},0,${Number(w3) + 20},${Number(h3)}\n`,
    );
    const out = join(root, 'out');
    const result = await runCli(['run', root, ...FAST_MODEL_FLAGS, '--out', out, '--no-report', '--json']);
    const records = readJsonLines<{ id: string; status: string; error?: string }>(join(out, 'results.jsonl'));
    const failed = records.filter((r) => r.status !== 'ok');
    expect(failed.map((r) => r.id)).toEqual([wrongId]);
    expect(failed[0]!.error).toContain(
      `${sizesFile}:2: the stored size of "${wrongId}", ${Number(width) * 10}x${Number(height) * 10}, is not the image's ${width}x${height}`,
    );
    const metrics = JSON.parse(result.stdout);
    expect(metrics.images).toMatchObject({ ok: 2, failed: 1 });
    expect(metrics.warnings).toMatchObject({ zeroAreaBoxes: 1, outsideBoxes: 1 });
    expect(result.stderr).toContain(
      'degenerate ground-truth boxes: 1 of zero area, 1 wholly outside their image',
    );
  });
});
