/**
 * Hostile datasets and unlucky runs, end to end through the real `cam-localize` bin: ids that
 * try to leave the run directory, formula cells, concurrent writers, resumes of another
 * configuration, unwritable folders.
 */
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC, ilsvrcSubset, readJsonLines } from '../fixtures.js';

const fastModelArgs = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const freshOut = () => join(mkdtempSync(join(tmpdir(), 'cam-safety-')), 'run');

/** Every file under a folder, relative paths, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Adds one image to a metadata dataset under the given id (label 1, one box). */
function addImage(dataset: string, id: string): void {
  appendFileSync(join(dataset, 'image_ids.txt'), `${id}\n`);
  appendFileSync(join(dataset, 'class_labels.txt'), `${id},1\n`);
  appendFileSync(join(dataset, 'image_sizes.txt'), `${id},500,375\n`);
  appendFileSync(join(dataset, 'localization.txt'), `${id},10,10,200,200\n`);
}

describeWithTestBed('cam-localize run with hostile inputs', () => {
  it('an image id that climbs out of the dataset never makes a writer leave --out', async () => {
    const dataset = ilsvrcSubset(3);
    const outside = mkdtempSync(join(tmpdir(), 'cam-outside-'));
    const firstImage = readFileSync(join(ILSVRC, 'image_ids.txt'), 'utf8').split('\n')[0]!;
    copyFileSync(join(ILSVRC, firstImage), join(outside, 'outside.JPEG'));
    const hostile = `${'../'.repeat(24)}${outside.slice(1)}/outside.JPEG`;
    addImage(dataset, hostile);
    // --overlays alone (the writer that escaped), then with --save-cams; the gallery each time.
    for (const saveCams of [false, true]) {
      const out = freshOut();
      const result = await runCli([
        'run',
        dataset,
        ...fastModelArgs,
        '--out',
        out,
        '--overlays',
        ...(saveCams ? ['--save-cams', join(out, 'cams')] : []),
        '--gallery',
        '4',
      ]);
      // Nothing but the planted image is there; every output stayed under --out.
      expect(filesUnder(outside)).toEqual(['outside.JPEG']);
      expect(result.stderr).toContain(JSON.stringify(hostile));
      if (result.code === 2) continue; // refused when the dataset was read: also safe
      expect(result.code).toBe(1);
      const records = readJsonLines<{ id: string; status: string; error?: string }>(
        join(out, 'results.jsonl'),
      );
      expect(records.filter((r) => r.status === 'ok')).toHaveLength(3);
      const refused = records.find((r) => r.id === hostile);
      expect(refused?.status).toBe('error');
      expect(refused?.error).toMatch(/would write outside/);
      expect(filesUnder(join(out, 'overlays'))).toHaveLength(3);
      if (saveCams) expect(filesUnder(join(out, 'cams'))).toHaveLength(3);
      expect(existsSync(join(out, 'report.html'))).toBe(true);
    }
  });
});
