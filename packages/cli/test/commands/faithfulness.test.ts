/**
 * `run --faithfulness` end to end through the real bin: per-image results in results.jsonl and
 * results.csv, their means in metrics.json, the report section, the settings pinned for --resume,
 * and usage errors for bad lists and for CAMs in the graph.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ilsvrcSubset, readJsonLines } from '../fixtures.js';

const model = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];

interface Faith {
  class: number;
  probability: number;
  avgdrop: { drop: number; increase: boolean };
  deletion: { auc: number; curve: number[] };
  insertion: { auc: number; curve: number[] };
  road: { morf: number[]; lerf: number[]; morfMean: number; lerfMean: number };
}

describeWithTestBed('run --faithfulness', () => {
  it('records each image, averages them, reports them, and pins the settings for --resume', async () => {
    const dataset = ilsvrcSubset(3);
    const out = join(mkdtempSync(join(tmpdir(), 'cam-faith-')), 'run');
    const args = [
      'run',
      dataset,
      ...model,
      '--out',
      out,
      '--workers',
      '1',
      '--faithfulness',
      'road,avgdrop,deletion,insertion',
      '--faithfulness-steps',
      '4',
    ];
    const first = await runCli([...args, '--limit', '2']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/Deletion AUC 0\.\d{4} \(lower is better, 2 images\)/);

    for (const [change, named] of [
      [['--faithfulness-steps', '8'], /faithfulness\.steps: 4 then, 8 now/],
      [['--deletion-baseline', 'mean'], /faithfulness\.deletionBaseline: "zero" then, "mean" now/],
    ] as const) {
      const refused = await runCli([...args, ...change, '--resume']);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(named);
    }
    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);

    const records = readJsonLines<{ predicted: { class: number }; faithfulness: Faith }>(
      join(out, 'results.jsonl'),
    );
    expect(records).toHaveLength(3);
    for (const r of records) {
      const f = r.faithfulness;
      expect(f.class).toBe(r.predicted.class);
      expect(f.deletion.curve).toHaveLength(5);
      expect(f.deletion.curve[0]).toBe(f.probability);
      expect(f.insertion.curve[4]).toBe(f.probability);
      expect(f.road.morf).toHaveLength(9);
      expect(f.avgdrop.drop).toBeGreaterThanOrEqual(0);
    }
    const mean = (pick: (f: Faith) => number) =>
      records.reduce((s, r) => s + pick(r.faithfulness), 0) / records.length;
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.faithfulness.avgdrop.images).toBe(3);
    expect(metrics.faithfulness.avgdrop.averageDrop).toBeCloseTo(100 * mean((f) => f.avgdrop.drop), 10);
    expect(metrics.faithfulness.deletion.auc).toBeCloseTo(
      mean((f) => f.deletion.auc),
      10,
    );
    expect(metrics.faithfulness.insertion.curve[0]).toBeCloseTo(
      mean((f) => f.insertion.curve[0]!),
      10,
    );
    expect(metrics.faithfulness.road.morfMean).toBeCloseTo(
      mean((f) => f.road.morfMean),
      10,
    );

    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(
      /,error,faith_class,avgdrop_drop,avgdrop_increase,deletion_auc,insertion_auc,road_morf_mean,road_lerf_mean$/,
    );
    const cells = csv[1]!.split(',').slice(-7).map(Number);
    const f = records[0]!.faithfulness;
    expect(cells).toEqual([
      f.class,
      f.avgdrop.drop,
      Number(f.avgdrop.increase),
      f.deletion.auc,
      f.insertion.auc,
      f.road.morfMean,
      f.road.lerfMean,
    ]);

    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('## Faithfulness of the predicted class');
    expect(markdown).toMatch(/\| Insertion AUC \| 0\.\d{4} \| higher \| 3 \|/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Mean class probability vs fraction of pixels deleted / inserted');
  }, 300_000);

  it('refuses an unknown metric and CAMs in the graph with a usage error', async () => {
    const dataset = ilsvrcSubset(1);
    const out = join(mkdtempSync(join(tmpdir(), 'cam-faith-')), 'run');
    const unknown = await runCli(['run', dataset, ...model, '--out', out, '--faithfulness', 'avgdrop,aopc']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      "unknown faithfulness metric 'aopc' (known: avgdrop, deletion, insertion, road)",
    );
    const onDevice = await runCli([
      'run',
      dataset,
      ...model,
      '--out',
      out,
      '--faithfulness',
      'deletion',
      '--cam-on-device',
      'on',
    ]);
    expect(onDevice.code).toBe(2);
    expect(onDevice.stderr).toContain('--faithfulness runs the plain model');
  }, 120_000);
});
