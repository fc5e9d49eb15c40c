/// <reference lib="dom" />
/**
 * `cam-localize view`: the page in real Chromium (playwright-core) over a 300-image run at
 * threshold 0.2 equals results.jsonl, and moved to 0.35 equals a `run --threshold 0.35`; a run
 * without grid maps is refused with the fill command, which adds them without touching results;
 * and --export writes a page that opens from file://. The server's confinement is in
 * view-server.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { BIN, runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC, readJsonLines } from '../fixtures.js';

const chromiumPath = process.env.CAM_LOCALIZE_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const model = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu'];
const IMAGES = 300;
/** A screenshot of the page, written when CAM_LOCALIZE_SCREENSHOT=1 (runs/ is not tracked). */
const SCREENSHOT = resolve(__dirname, '..', '..', '..', '..', 'runs', 'view.jpg');

interface Rec {
  id: string;
  predicted: { boxes: number[][]; iou?: number };
  groundTruth?: { boxes: number[][]; iou?: number };
  loc?: { gtKnownLoc: boolean; top1Loc: boolean };
  /** The page's decisions (state()'s images). */
  gtKnownLoc?: boolean;
  top1Loc?: boolean;
}

function curveAt(csv: string, t: number): number[] {
  const row = readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number))
    .find((cells) => Math.abs(cells[0]! - t) < 1e-9)!;
  return row.slice(1);
}

function expectSameImages(page: { images: Rec[] }, records: Rec[]): void {
  expect(page.images.length).toBe(records.length);
  for (const [i, r] of records.entries()) {
    const s = page.images[i]!;
    expect(s.id).toBe(r.id);
    expect(s.predicted.boxes, r.id).toEqual(r.predicted.boxes);
    expect(s.predicted.iou, r.id).toBe(r.predicted.iou);
    expect(s.groundTruth?.boxes, r.id).toEqual(r.groundTruth?.boxes);
    expect(s.groundTruth?.iou, r.id).toBe(r.groundTruth?.iou);
  }
}

/** Starts `cam-localize view` as a child process; resolves with its URL. */
function serve(args: string[]): Promise<{ url: string; stop: () => void }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, 'view', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) done({ url: line.trim(), stop: () => child.kill('SIGTERM') });
    });
    child.on('close', (code) => fail(new Error(`view exited ${code}: ${err}`)));
  });
}

describeWithTestBed('cam-localize view (fast model, the first 300 ILSVRC photos)', () => {
  const base = mkdtempSync(join(tmpdir(), 'cam-view-'));
  const run20 = join(base, 'threshold-0.2');
  const run35 = join(base, 'threshold-0.35');
  const bare = join(base, 'without-maps');
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  let browser: any;

  beforeAll(async () => {
    const limit = ['--limit', String(IMAGES)];
    const a = await runCli(['run', ILSVRC, ...model, ...limit, '--out', run20, '--threshold', '0.2']);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli([
      'run',
      ILSVRC,
      ...model,
      ...limit,
      '--out',
      run35,
      '--threshold',
      '0.35',
      '--no-report',
    ]);
    expect(b.code, b.stderr).toBe(0);
    if (hasChromium) {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--no-sandbox', '--disable-gpu'],
      });
    }
  }, 240_000);
  afterAll(async () => browser?.close());

  it('keeps one grid-maps.jsonl line per image, and no map in results.jsonl', () => {
    const lines = readJsonLines<{ id: string; maps: { width: number; data: string }[] }>(
      join(run20, 'grid-maps.jsonl'),
    );
    const records = readJsonLines<Rec>(join(run20, 'results.jsonl'));
    expect(lines.map((l) => l.id)).toEqual(records.map((r) => r.id));
    expect(lines[0]!.maps[0]!.width).toBe(4);
    expect(readFileSync(join(run20, 'results.jsonl'), 'utf8')).not.toContain('gridMaps');
  });

  it('refuses a run without maps with the fill command, which adds them without re-scoring', async () => {
    const made = await runCli([
      'run',
      ILSVRC,
      ...model,
      '--limit',
      '12',
      '--out',
      bare,
      '--no-grid-maps',
      '--no-report',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const refused = await runCli(['view', bare, '--export', join(base, 'never')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('12 of 12 images have no feature-grid maps');
    expect(refused.stderr).toContain('--resume --fill-grid-maps');
    expect(existsSync(join(base, 'never'))).toBe(false);
    const before = readFileSync(join(bare, 'results.jsonl'), 'utf8');
    const fill = await runCli([
      'run',
      ILSVRC,
      ...model,
      '--limit',
      '12',
      '--out',
      bare,
      '--resume',
      '--fill-grid-maps',
      '--no-report',
    ]);
    expect(fill.code, fill.stderr).toBe(0);
    expect(readFileSync(join(bare, 'results.jsonl'), 'utf8')).toBe(before);
    expect(readJsonLines(join(bare, 'grid-maps.jsonl'))).toHaveLength(12);
    const exported = await runCli(['view', bare, '--export', join(base, 'filled')]);
    expect(exported.code, exported.stderr).toBe(0);
  });

  it.skipIf(!hasChromium)(
    'in Chromium: at 0.2 every box equals results.jsonl; moved to 0.35 boxes and figures equal run --threshold 0.35',
    async () => {
      const { url, stop } = await serve([run20, run35]);
      try {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{24}\/$/);
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const problems: string[] = [];
        page.on(
          'console',
          (m: { type(): string; text(): string }) => m.type() === 'error' && problems.push(m.text()),
        );
        page.on('pageerror', (e: Error) => problems.push(e.message));
        await page.goto(url);
        await page.waitForFunction(
          () => (window as never as { camView?: { ready: boolean } }).camView?.ready === true,
        );
        const state = (t?: number) =>
          page.evaluate((t: number | undefined) => {
            const view = (
              window as never as { camView: { state(k?: string): unknown; setThreshold(t: number): void } }
            ).camView;
            if (t !== undefined) view.setThreshold(t);
            return view.state() as { threshold: number; images: Rec[]; metrics: Record<string, never> };
          }, t);

        const at20 = await state();
        expect(at20.threshold).toBe(0.2);
        expectSameImages(at20, readJsonLines<Rec>(join(run20, 'results.jsonl')));
        const metrics20 = JSON.parse(readFileSync(join(run20, 'metrics.json'), 'utf8'));
        expect(at20.metrics.gtKnownLoc).toBe(metrics20.localization.gtKnownLoc);
        expect(at20.metrics.top1Loc).toBe(metrics20.localization.top1Loc);

        const at35 = await state(0.35);
        expect(at35.threshold).toBe(0.35);
        expectSameImages(at35, readJsonLines<Rec>(join(run35, 'results.jsonl')));
        const metrics35 = JSON.parse(readFileSync(join(run35, 'metrics.json'), 'utf8'));
        expect(at35.metrics.gtKnownLoc).toBe(metrics35.localization.gtKnownLoc);
        expect(at35.metrics.top1Loc).toBe(metrics35.localization.top1Loc);
        const curve = curveAt(join(run35, 'curves.csv'), 0.35);
        const boxAcc = at35.metrics.boxAccByIoU as Record<string, number>;
        expect([30, 50, 70].map((l) => Number(boxAcc[String(l)]!.toFixed(4)))).toEqual(curve);
        // The figures on the page follow the slider, and the curve's marker too.
        expect(await page.locator('td[data-figure="GT-known Loc"]').first().textContent()).toBe(
          `${metrics35.localization.gtKnownLoc.toFixed(2)}%`,
        );

        // Once the sweep workers have every image's IoU curve, the figures come from the curves:
        // still run's, and equal to the decisions of every image's recomputed boxes at any threshold.
        await page.waitForFunction(
          () => (window as never as { camView: { curvesReady(): boolean } }).camView.curvesReady(),
          null,
          { timeout: 60_000, polling: 100 },
        );
        expect((await state(0.2)).metrics.gtKnownLoc).toBe(metrics20.localization.gtKnownLoc);
        const swept35 = await state(0.35);
        expect(swept35.metrics.gtKnownLoc).toBe(metrics35.localization.gtKnownLoc);
        expect(swept35.metrics.top1Loc).toBe(metrics35.localization.top1Loc);
        for (const t of [0.05, 0.27, 0.5, 0.813]) {
          const at = await state(t);
          const scored = at.images.filter((im: Rec) => im.gtKnownLoc !== undefined);
          const rate = (pick: (im: Rec) => unknown) => (scored.filter(pick).length * 100) / scored.length;
          expect(at.metrics.gtKnownLoc).toBe(rate((im) => im.gtKnownLoc));
          expect(at.metrics.top1Loc).toBe(rate((im) => im.top1Loc));
        }
        await state(0.35);

        // Keyboard: the slider moves by its step, arrows move between photos, Enter opens A and B side by side.
        await page.locator('#threshold').focus();
        await page.keyboard.press('ArrowRight');
        expect((await state()).threshold).toBe(0.351);
        await page.locator('.card').first().focus();
        await page.keyboard.press('ArrowRight');
        expect(await page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe('1');
        await page.keyboard.press('Enter');
        expect(await page.locator('#detail canvas').count()).toBe(2);
        await page.keyboard.press('Escape');
        expect(await page.locator('#detail').isHidden()).toBe(true);
        await page.evaluate(() =>
          (window as never as { camView: { setThreshold(t: number): void } }).camView.setThreshold(0.35),
        );
        await page.waitForTimeout(300);
        const shot = process.env.CAM_LOCALIZE_SCREENSHOT === '1' ? SCREENSHOT : join(base, 'view.jpg');
        await page.screenshot({
          path: shot,
          type: 'jpeg',
          quality: 70,
          clip: { x: 0, y: 0, width: 1280, height: 900 },
        });
        expect(problems).toEqual([]);
        await page.close();
      } finally {
        stop();
      }
    },
  );

  it.skipIf(!hasChromium)('--export writes a page that opens from file:// with the same boxes', async () => {
    const out = join(base, 'exported');
    const made = await runCli(['view', run20, '--export', out]);
    expect(made.code, made.stderr).toBe(0);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e: Error) => problems.push(e.message));
    await page.goto(`file://${join(out, 'index.html')}`);
    await page.waitForFunction(
      () => (window as never as { camView?: { ready: boolean } }).camView?.ready === true,
    );
    const images = await page.evaluate(
      () => (window as never as { camView: { state(): { images: Rec[] } } }).camView.state().images,
    );
    expectSameImages({ images }, readJsonLines<Rec>(join(run20, 'results.jsonl')));
    const loaded = await page.evaluate(() => document.querySelectorAll('canvas').length);
    expect(loaded).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
