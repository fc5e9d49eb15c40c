import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ilsvrcSubset, readJsonLines } from '../fixtures.js';

const modelArgs = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const SHARDS = 4;

/** A record without its timing (how long the image took differs between any two runs). */
const withoutTiming = (record: Record<string, unknown>) => {
  const { timing: _timing, ...rest } = record;
  return JSON.stringify(rest);
};

describeWithTestBed('run --shard K/N, then merge (4 processes against one whole run)', () => {
  let base: string;
  let dataset: string;
  let whole: string;
  const shardDir = (k: number) => join(base, `shard-${k}`);

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'cam-shards-'));
    dataset = ilsvrcSubset(24);
    whole = join(base, 'whole');
    const run = (extra: string[]) =>
      runCli(['run', dataset, ...modelArgs, '--workers', '1', '--no-report', ...extra]);
    const results = await Promise.all([
      run(['--out', whole, '--save-cams', join(base, 'cams')]),
      ...Array.from({ length: SHARDS }, (_, i) =>
        run(['--out', shardDir(i + 1), '--shard', `${i + 1}/${SHARDS}`]),
      ),
    ]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
  }, 240_000);

  it('splits the images between the shards, each a run directory that records its shard', () => {
    const sizes = Array.from(
      { length: SHARDS },
      (_, i) => readJsonLines(join(shardDir(i + 1), 'results.jsonl')).length,
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(24);
    for (const size of sizes) expect(size).toBeGreaterThan(0);
    const configs = Array.from({ length: SHARDS }, (_, i) =>
      JSON.parse(readFileSync(join(shardDir(i + 1), 'config.json'), 'utf8')),
    );
    expect(configs.map((c) => [c.shard.index, c.shard.count, c.shard.datasetImages])).toEqual([
      [1, 4, 24],
      [2, 4, 24],
      [3, 4, 24],
      [4, 4, 24],
    ]);
    // One fingerprint for every shard, and the whole run's: the shard is not part of it.
    const wholeConfig = JSON.parse(readFileSync(join(whole, 'config.json'), 'utf8'));
    for (const config of configs) expect(config.fingerprint).toEqual(wholeConfig.fingerprint);
    expect(wholeConfig.shard).toBeUndefined();
  });

  it('merges into the metrics and records of the whole run; report works on the merged directory', async () => {
    const merged = join(base, 'merged');
    const shards = Array.from({ length: SHARDS }, (_, i) => shardDir(SHARDS - i)); // any order
    const result = await runCli(['merge', ...shards, '--out', merged, '--json']);
    expect(result.code, result.stderr).toBe(0);
    // metrics.json holds no timing or throughput field, so it compares whole.
    const wholeMetrics = JSON.parse(readFileSync(join(whole, 'metrics.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(merged, 'metrics.json'), 'utf8'))).toEqual(wholeMetrics);
    expect(JSON.parse(result.stdout)).toEqual(wholeMetrics);
    expect(wholeMetrics.images.total).toBe(24);

    const wholeRecords = readJsonLines(join(whole, 'results.jsonl'));
    const mergedRecords = readJsonLines(join(merged, 'results.jsonl'));
    expect(new Set(mergedRecords.map(withoutTiming))).toEqual(new Set(wholeRecords.map(withoutTiming)));
    expect(mergedRecords).toHaveLength(24);
    // In dataset order.
    const order = readFileSync(join(dataset, 'image_ids.txt'), 'utf8').trim().split('\n');
    expect(mergedRecords.map((r) => r.id)).toEqual(order);

    const config = JSON.parse(readFileSync(join(merged, 'config.json'), 'utf8'));
    expect(config.shard).toBeUndefined();
    expect(config.mergedFrom).toHaveLength(SHARDS);
    const report = await runCli(['report', merged, '--no-gallery', '--json']);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toEqual(wholeMetrics);
    expect(existsSync(join(merged, 'report.html'))).toBe(true);
  });

  it('refuses a missing shard, naming the missing images and the shard', async () => {
    const missing = readJsonLines(join(shardDir(3), 'results.jsonl')).map((r) => r.id as string);
    const out = join(base, 'merged-missing');
    const result = await runCli(['merge', shardDir(1), shardDir(2), shardDir(4), '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${missing.length} of 24 images in no shard`);
    for (const id of missing) expect(result.stderr).toContain(id);
    expect(result.stderr).toContain('not given: shard 3/4');
    expect(existsSync(join(out, 'results.jsonl'))).toBe(false);
  });

  it('refuses a shard given twice, as the same directory or a copy, naming the doubled images', async () => {
    const copy = join(base, 'shard-2-copy');
    cpSync(shardDir(2), copy, { recursive: true });
    const doubled = readJsonLines(join(shardDir(2), 'results.jsonl')).map((r) => r.id as string);
    for (const extra of [shardDir(2), copy]) {
      const out = join(base, `merged-doubled-${extra === copy ? 'copy' : 'same'}`);
      const shards = Array.from({ length: SHARDS }, (_, i) => shardDir(i + 1));
      const result = await runCli(['merge', ...shards, extra, '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`shard 2/4 is given 2 times (${shardDir(2)}, ${extra})`);
      expect(result.stderr).toContain(`${doubled.length} images recorded more than once`);
      for (const id of doubled) expect(result.stderr).toContain(id);
      expect(existsSync(join(out, 'results.jsonl'))).toBe(false);
    }
  });

  it('refuses shards of another configuration, naming the field and the directories', async () => {
    const other = join(base, 'other-threshold');
    const run = await runCli([
      'run',
      dataset,
      ...modelArgs,
      '--workers',
      '1',
      '--no-report',
      '--limit',
      '1',
      '--threshold',
      '0.3',
      '--out',
      other,
      '--shard',
      '4/4',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = await runCli([
      'merge',
      shardDir(1),
      shardDir(2),
      shardDir(3),
      other,
      '--out',
      join(base, 'm'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`threshold: "0.2" in ${shardDir(1)}, "0.3" in ${other}`);
    expect(result.stderr).toMatch(/dataset images: 24 .* 1 \(ids sha256/);
  });

  it('--resume of a shard directory refuses another shard', async () => {
    const result = await runCli([
      'run',
      dataset,
      ...modelArgs,
      '--out',
      shardDir(1),
      '--resume',
      '--shard',
      '2/4',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('holds shard 1/4 of 24 images, this run is shard 2/4');
  });

  it('--shard auto outside a job array is a usage error', async () => {
    const env = { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '' };
    const result = await runCli(['run', dataset, ...modelArgs, '--shard', 'auto', '--out', join(base, 'a')], {
      env,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('neither SLURM_ARRAY_TASK_ID');
  });

  it('--shard auto takes a Slurm array task (ids from 1)', async () => {
    const out = join(base, 'slurm-3');
    const env = { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' };
    const result = await runCli(
      ['run', dataset, ...modelArgs, '--no-report', '--shard', 'auto', '--out', out],
      {
        env,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).shard.index).toBe(3);
    const ids = (dir: string) => readJsonLines(join(dir, 'results.jsonl')).map((r) => r.id);
    expect(new Set(ids(out))).toEqual(new Set(ids(shardDir(3))));
  });

  it("eval --cams in 3 shards, merged: the whole evaluation's metrics; a missing or doubled part is refused", async () => {
    const cams = join(base, 'cams');
    const wholeEval = join(base, 'eval-whole.json');
    const evaluate = (extra: string[]) => runCli(['eval', dataset, '--cams', cams, ...extra]);
    const parts = [1, 2, 3].map((k) => join(base, `eval-part-${k}.json`));
    const results = await Promise.all([
      evaluate(['--out', wholeEval]),
      ...parts.map((part, i) => evaluate(['--shard', `${i + 1}/3`, '--out', part])),
    ]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const partIds = parts.map((part) => JSON.parse(readFileSync(part, 'utf8')).ids as string[]);
    expect(partIds.flat().sort()).toEqual(
      readFileSync(join(dataset, 'image_ids.txt'), 'utf8').trim().split('\n').sort(),
    );

    const merged = join(base, 'eval-merged.json');
    const result = await runCli(['merge', ...parts, '--out', merged]);
    expect(result.code, result.stderr).toBe(0);
    const wholeMetrics = JSON.parse(readFileSync(wholeEval, 'utf8'));
    expect(wholeMetrics.maxBoxAccV2).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(merged, 'utf8'))).toEqual(wholeMetrics);

    const missing = await runCli(['merge', parts[0]!, parts[2]!, '--out', join(base, 'x.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${partIds[1]!.length} of 24 images in no part: `);
    expect(missing.stderr).toContain('(not given: shard 2/3)');
    for (const id of partIds[1]!) expect(missing.stderr).toContain(id);
    const doubled = await runCli(['merge', ...parts, parts[1]!, '--out', join(base, 'y.json')]);
    expect(doubled.code).toBe(2);
    expect(doubled.stderr).toContain('shard 2/3 is given 2 times');
    for (const id of partIds[1]!) expect(doubled.stderr).toContain(id);
  });

  it('predict --shard K/N splits the images between its shards, each directory recording its part', async () => {
    const images = join(dataset, 'images');
    const predict = (k: number) =>
      runCli([
        'predict',
        images,
        ...modelArgs,
        '--workers',
        '1',
        '--shard',
        `${k}/2`,
        '--out',
        join(base, `predict-${k}`),
      ]);
    const results = await Promise.all([predict(1), predict(2)]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const ids = [1, 2].map((k) =>
      readJsonLines(join(base, `predict-${k}`, 'results.jsonl')).map((r) => r.id as string),
    );
    expect(ids[0]!.filter((id) => ids[1]!.includes(id))).toEqual([]);
    expect([...ids[0]!, ...ids[1]!].sort()).toHaveLength(24);
    const config = JSON.parse(readFileSync(join(base, 'predict-2', 'config.json'), 'utf8'));
    expect([config.shard.index, config.shard.count, config.shard.datasetImages]).toEqual([2, 2, 24]);
  });
});
