/**
 * The parallel pipeline against the main-thread one: `--workers 2` must write exactly what
 * `--workers 0` writes (records in input order, metrics, saved maps and overlays), with broken images
 * in the middle of batches, for run (tool mode and the wsolevaluation protocol) and predict.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScoreMapNpy } from '@cam-localize/eval';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ilsvrcSubset, readJsonLines } from '../fixtures.js';

const model = [
  '--model',
  FAST_MODEL,
  '--preset',
  'mobilenet',
  '--device',
  'cpu',
  '--threads',
  '1',
  '--batch',
  '4',
];

/** A record without its timings (the only field that may differ between two runs). */
function untimed(record: Record<string, unknown>): Record<string, unknown> {
  const { timing, ...rest } = record;
  void timing;
  // libvips keeps one process-wide error buffer: the detail after "cannot decode image" for a
  // corrupt file can come from whichever decode failed last, whatever the thread count. The
  // decision (the image failed, named, as undecodable) is what must match.
  if (
    rest.status === 'error' &&
    typeof rest.error === 'string' &&
    rest.error.includes('cannot decode image')
  ) {
    rest.error = `${rest.error.slice(0, rest.error.indexOf('cannot decode image'))}cannot decode image`;
  }
  return rest;
}

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out.set(path.slice(dir.length), readFileSync(path));
    }
  }
  return out;
}

describeWithTestBed('the parallel pipeline writes what the main-thread pipeline writes', () => {
  const dataset = ilsvrcSubset(14, { broken: true });
  const ids = readFileSync(join(dataset, 'image_ids.txt'), 'utf8').trim().split('\n');

  it.each([
    ['tool mode', []],
    ['--protocol wsolevaluation', ['--protocol', 'wsolevaluation']],
  ])('run, %s', async (_, extra) => {
    const base = mkdtempSync(join(tmpdir(), 'cam-par-'));
    const outs: string[] = [];
    for (const workers of ['0', '2']) {
      const out = join(base, `w${workers}`);
      const r = await runCli([
        'run',
        dataset,
        ...model,
        ...extra,
        '--workers',
        workers,
        '--out',
        out,
        '--save-cams',
        join(out, 'cams'),
        '--overlays',
        '--no-report',
      ]);
      expect(r.code, r.stderr).toBe(1); // the two broken images
      outs.push(out);
    }
    const [serial, parallel] = outs.map((out) => readJsonLines(join(out!, 'results.jsonl')));
    expect(serial!.map((r) => r.id)).toEqual(ids); // input order, failures in their place
    expect(parallel!.map(untimed)).toEqual(serial!.map(untimed));
    expect(parallel!.filter((r) => r.status === 'error')).toHaveLength(2);
    const metrics = outs.map((out) => JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')));
    expect(metrics[1]).toEqual(metrics[0]);
    const [a, b] = outs.map((out) => files(join(out, 'cams')));
    expect(a!.size).toBe(14);
    expect(b).toEqual(a);
    const [oa, ob] = outs.map((out) => files(join(out, 'overlays')));
    expect(oa!.size).toBe(14);
    expect(ob).toEqual(oa);
  });

  it('predict', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cam-par-'));
    const lines: Record<string, unknown>[][] = [];
    // 3 workers split each batch of 8 into post-processing chunks of 3, 3 and 2.
    for (const workers of ['0', '2', '3']) {
      const r = await runCli([
        'predict',
        ...ids.map((id) => join(dataset, id)),
        ...model,
        '--workers',
        workers,
        '--target',
        'topk:2',
        '--json',
        '--save-cams',
        join(base, `cams${workers}`),
      ]);
      expect(r.code, r.stderr).toBe(1);
      lines.push(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      );
    }
    expect(lines[0]!.length).toBe(16);
    expect(lines[1]!.map(untimed)).toEqual(lines[0]!.map(untimed));
    expect(lines[2]!.map(untimed)).toEqual(lines[0]!.map(untimed));
    expect(files(join(base, 'cams2'))).toEqual(files(join(base, 'cams0')));
    expect(files(join(base, 'cams3'))).toEqual(files(join(base, 'cams0')));
  });

  it('--cam-on-device on: the CAMs computed in the graph equal the JS path (1e-5) and give the same metrics', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cam-dev-'));
    const metrics: Record<string, unknown>[] = [];
    for (const mode of ['off', 'on']) {
      const out = join(base, mode);
      const r = await runCli([
        'run',
        dataset,
        ...model,
        '--protocol',
        'wsolevaluation',
        '--workers',
        '2',
        '--cam-on-device',
        mode,
        '--out',
        out,
        '--save-cams',
        join(out, 'cams'),
        '--cam-size',
        'feature',
        '--no-report',
      ]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.includes('CAM in the graph')).toBe(mode === 'on');
      metrics.push(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')));
    }
    const [off, on] = [files(join(base, 'off', 'cams')), files(join(base, 'on', 'cams'))];
    expect(on.size).toBe(14);
    let worst = 0;
    for (const name of off.keys()) {
      const a = readScoreMapNpy(join(base, 'off', 'cams', name)).data;
      const b = readScoreMapNpy(join(base, 'on', 'cams', name)).data;
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(on.size).toBe(off.size);
    const pick = (m: Record<string, unknown>) => ({ v2: m.maxBoxAccV2, loc: m.localization });
    expect(pick(metrics[1]!)).toEqual(pick(metrics[0]!));
  });
});
