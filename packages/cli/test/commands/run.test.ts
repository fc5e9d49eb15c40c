import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { BIN, runCli } from '../cli-process.js';
import { FAST_MODEL, ilsvrcSubset, readJsonLines } from '../fixtures.js';

const fastModelArgs = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];

interface Record_ {
  id: string;
  status: string;
  error?: string;
  groundTruth?: { iou?: number };
  loc?: { gtKnownLoc: boolean; top1Loc: boolean };
}

describeWithTestBed('cam-localize run (end to end on ILSVRC photos)', () => {
  it('predicts, localizes, evaluates and reports; a broken image is recorded and the run goes on', async () => {
    const dataset = ilsvrcSubset(20, { broken: true });
    const out = join(mkdtempSync(join(tmpdir(), 'cam-run-')), 'run');
    const result = await runCli([
      'run',
      dataset,
      ...fastModelArgs,
      '--out',
      out,
      '--batch',
      '4',
      '--gallery',
      '3',
    ]);
    expect(result.stderr).toMatch(/broken\/truncated\.JPEG/);
    expect(result.code).toBe(1); // some images failed; everything else finished

    const records = readJsonLines<Record_>(join(out, 'results.jsonl'));
    expect(records).toHaveLength(22);
    expect(new Set(records.map((r) => r.id)).size).toBe(22);
    const failed = records.filter((r) => r.status === 'error');
    expect(failed.map((r) => r.id).sort()).toEqual(['broken/not-an-image.JPEG', 'broken/truncated.JPEG']);
    expect(failed.every((r) => (r.error ?? '').includes('broken/'))).toBe(true);

    // The metrics are those of the records: GT-known Loc is the share of IoU >= 0.5 of the GT-class CAM.
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const ok = records.filter((r) => r.status === 'ok');
    const gtKnown = ok.filter((r) => (r.groundTruth?.iou ?? 0) >= 0.5).length;
    expect(metrics.images).toEqual({ total: 22, ok: 20, failed: 2, scored: 20 });
    expect(metrics.localization.gtKnownLoc).toBeCloseTo((gtKnown * 100) / 20, 10);
    expect(metrics.localization.top1Loc).toBeCloseTo(
      (ok.filter((r) => r.loc?.top1Loc).length * 100) / 20,
      10,
    );
    expect(metrics.maxBoxAccV2).toBeGreaterThan(0);
    expect(Object.keys(metrics.maxBoxAccByIoU)).toEqual(['30', '50', '70']);

    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(23);
    expect(readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n')).toHaveLength(1001);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('MaxBoxAccV2');
    // Five galleries (well localized, four failure modes), each min(--gallery, images of its kind).
    const galleries = [...html.matchAll(/<h2>(?:Well localized|Failure)[^<]* \((\d+) of (\d+)\)<\/h2>/g)];
    expect(galleries).toHaveLength(5);
    for (const [, shown, all] of galleries) expect(Number(shown)).toBe(Math.min(3, Number(all)));
    const pictures = galleries.reduce((n, g) => n + Number(g[1]), 0);
    expect(pictures).toBeGreaterThan(0);
    expect((html.match(/<img src="data:image\/jpeg;base64,/g) ?? []).length).toBe(pictures);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('GT-known Loc');
    expect(readdirSync(join(out, 'gallery'))).toHaveLength(pictures);

    // `report` rebuilds the same metrics from the run directory alone.
    const rebuilt = await runCli(['report', out, '--no-gallery', '--json']);
    expect(rebuilt.code).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toEqual(metrics);
  });

  it('survives kill -9 at any moment: --resume finishes without duplicating or losing an image', async () => {
    const dataset = ilsvrcSubset(150);
    const base = mkdtempSync(join(tmpdir(), 'cam-resume-'));
    const reference = join(base, 'reference');
    const interrupted = join(base, 'interrupted');
    const args = (out: string) => [
      'run',
      dataset,
      ...fastModelArgs,
      '--out',
      out,
      '--batch',
      '2',
      '--no-report',
    ];

    expect((await runCli(args(reference))).code).toBe(0);

    const child = spawn(process.execPath, [BIN, ...args(interrupted)], { stdio: 'ignore' });
    const results = join(interrupted, 'results.jsonl');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (existsSync(results) && readFileSync(results, 'utf8').split('\n').length > 12) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const before = readFileSync(results, 'utf8').split('\n').length - 1;
    expect(before).toBeGreaterThan(10);
    expect(before).toBeLessThan(150);

    const resumed = await runCli([...args(interrupted), '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming, \d+ images already done/);
    const ids = readJsonLines<Record_>(results).map((r) => r.id);
    expect(ids).toHaveLength(150);
    expect(new Set(ids).size).toBe(150);
    const metricsOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    expect(metricsOf(interrupted)).toEqual(metricsOf(reference));
  });

  it('refuses to overwrite a finished run unless asked', async () => {
    const dataset = ilsvrcSubset(2);
    const out = join(mkdtempSync(join(tmpdir(), 'cam-run-')), 'run');
    expect((await runCli(['run', dataset, ...fastModelArgs, '--out', out, '--no-report'])).code).toBe(0);
    const again = await runCli(['run', dataset, ...fastModelArgs, '--out', out, '--no-report']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds a run');
    expect(
      (await runCli(['run', dataset, ...fastModelArgs, '--out', out, '--no-report', '--overwrite'])).code,
    ).toBe(0);
    expect(readJsonLines(join(out, 'results.jsonl'))).toHaveLength(2);
  });
});
