/**
 * What a run directory holds between sessions, against hostile changes: ground truth edited
 * before `--resume` or between shards, images that failed once, non-finite model outputs, and a
 * damaged results.jsonl, each through the real command.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ilsvrcSubset, readJsonLines } from '../fixtures.js';

const modelArgs = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const fresh = () => mkdtempSync(join(tmpdir(), 'cam-run-state-'));
const run = (dataset: string, out: string, ...extra: string[]) =>
  runCli(['run', dataset, ...modelArgs, '--workers', '1', '--no-report', '--out', out, ...extra]);

/** Rewrites the first line of an annotation file of a metadata dataset. */
function editFirstLine(dataset: string, file: string, edit: (fields: string[]) => string[]): void {
  const path = join(dataset, file);
  const [first, ...rest] = readFileSync(path, 'utf8').split('\n');
  writeFileSync(path, [edit(first!.split(',')).join(','), ...rest].join('\n'));
}

interface Metrics {
  images: { total: number; ok: number; failed: number };
  localization: unknown;
  maxBoxAccV2: unknown;
}
const metricsOf = (out: string) => JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Metrics;

describeWithTestBed('run directories across sessions', () => {
  it.each([
    ['a box', 'localization.txt', (f: string[]) => [f[0]!, '1', '1', '30', '30']],
    ['a class label', 'class_labels.txt', (f: string[]) => [f[0]!, String((Number(f[1]) + 1) % 1000)]],
  ])(
    'refuses --resume after %s of the ground truth changed, saying the annotations changed',
    async (_, file, edit) => {
      const dataset = ilsvrcSubset(3);
      const out = join(fresh(), 'run');
      expect((await run(dataset, out)).code).toBe(0);
      const before = readFileSync(join(out, 'results.jsonl'), 'utf8');
      editFirstLine(dataset, file, edit);
      const resumed = await run(dataset, out, '--resume');
      expect(resumed.code, resumed.stderr).toBe(2);
      expect(resumed.stderr).toContain(
        `--resume: the annotations of ${dataset} changed since ${out} was run`,
      );
      expect(readFileSync(join(out, 'results.jsonl'), 'utf8')).toBe(before);
    },
  );

  it('refuses to merge shards run over two versions of the annotations', async () => {
    const dataset = ilsvrcSubset(6);
    const base = fresh();
    expect((await run(dataset, join(base, 's1'), '--shard', '1/2')).code).toBe(0);
    editFirstLine(dataset, 'localization.txt', (f) => [f[0]!, '1', '1', '30', '30']);
    expect((await run(dataset, join(base, 's2'), '--shard', '2/2')).code).toBe(0);
    const merged = await runCli(['merge', join(base, 's1'), join(base, 's2'), '--out', join(base, 'all')]);
    expect(merged.code, merged.stderr).toBe(2);
    expect(merged.stderr).toContain(
      `the annotations changed between ${join(base, 's1')} and ${join(base, 's2')}`,
    );
  });

  it('--resume runs failed images again and says how many; --no-retry-failed keeps them; each image counts once', async () => {
    const dataset = ilsvrcSubset(4);
    const id = readFileSync(join(dataset, 'image_ids.txt'), 'utf8').split('\n')[1]!;
    const photo = readFileSync(join(dataset, id));
    writeFileSync(join(dataset, id), photo.subarray(0, 600)); // a fault of the moment (a disk full, a copy cut short)
    const out = join(fresh(), 'run');
    const first = await run(dataset, out);
    expect(first.code).toBe(1);
    expect(metricsOf(out).images).toEqual({ total: 4, ok: 3, failed: 1, scored: 3 });
    writeFileSync(join(dataset, id), photo);

    const kept = await run(dataset, out, '--resume', '--no-retry-failed');
    expect(kept.code).toBe(1);
    expect(kept.stderr).toContain(
      'run: 4 images (3 ok, 1 failed); 0 processed now (0 retried after failing before)',
    );

    const retried = await run(dataset, out, '--resume');
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toContain('run: resuming, 3 images already done; running again 1 that failed');
    expect(retried.stderr).toContain(
      'run: 4 images (4 ok, 0 failed); 1 processed now (1 retried after failing before)',
    );
    const records = readJsonLines<{ id: string; status: string }>(join(out, 'results.jsonl'));
    expect(records.filter((r) => r.id === id).map((r) => r.status)).toEqual(['error', 'ok']);

    // The metrics are those of one clean run: the failed record counts nowhere.
    const clean = join(fresh(), 'run');
    expect((await run(dataset, clean)).code).toBe(0);
    const [resumed, whole] = [metricsOf(out), metricsOf(clean)];
    expect(resumed.images).toEqual(whole.images);
    expect(resumed.localization).toEqual(whole.localization);
    expect(resumed.maxBoxAccV2).toEqual(whole.maxBoxAccV2);
  });

  it('fails every image whose scores are not finite (a sidecar with std 1e-308), with exit 1', async () => {
    const dataset = ilsvrcSubset(2);
    const folder = fresh();
    const model = join(folder, 'model.onnx');
    copyFileSync(FAST_MODEL, model);
    writeFileSync(
      join(folder, 'model.preprocess.json'),
      JSON.stringify({ preset: 'mobilenet', std: 1e-308 }),
    );
    const out = join(folder, 'run');
    const result = await runCli([
      'run',
      dataset,
      '--model',
      model,
      '--device',
      'cpu',
      '--threads',
      '1',
      '--out',
      out,
    ]);
    expect(result.code, result.stderr).toBe(1);
    const records = readJsonLines<{ file: string; status: string; error?: string }>(
      join(out, 'results.jsonl'),
    );
    expect(records.map((r) => r.status)).toEqual(['error', 'error']);
    for (const record of records) {
      expect(record.error).toMatch(/non-finite class scores? of 1000 \(class \d+: (NaN|-?Infinity)\)/);
      expect(record.error).toContain(record.file);
      expect(result.stderr).toContain(record.file);
    }
    expect(metricsOf(out).images).toMatchObject({ total: 2, ok: 0, failed: 2 });
  });

  it('--resume names a damaged results.jsonl line and runs nothing', async () => {
    const dataset = ilsvrcSubset(2);
    const out = join(fresh(), 'run');
    expect((await run(dataset, out)).code).toBe(0);
    const results = join(out, 'results.jsonl');
    writeFileSync(
      results,
      `${readFileSync(results, 'utf8')}{"id":"x","status":"ok","loc":{"gtKnownLoc":"yes"}}\n`,
    );
    const resumed = await run(dataset, out, '--resume');
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain(`${results}:3: "loc.gtKnownLoc" must be true or false, found "yes"`);
    expect(resumed.stderr).not.toMatch(/TypeError/);
  });
});
