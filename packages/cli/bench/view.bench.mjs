/**
 * `pnpm bench view`: the page of `cam-localize view` in headless Chromium over a 1000-image run
 * (the fast model on the test bed's 1000 ILSVRC photos, exported to a static folder): how long it
 * takes to open (navigation to `camView.ready`: data parsed, every box computed at the run's
 * threshold, the visible photos drawn), and a slider move (every box of every image recomputed
 * with localize, the figures and the visible photos redrawn), median of 15 moves. Also the cost
 * of the maps on disk per image. Needs the test bed, a built CLI and Chromium
 * ($CAM_LOCALIZE_CHROMIUM or /usr/bin/chromium); skips otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'dist', 'bin.cjs');
const shared = resolve(process.env.CAM_LOCALIZE_SHARED ?? join(here, '..', '..', '..', '..', 'shared'));
const chromiumPath = process.env.CAM_LOCALIZE_CHROMIUM ?? '/usr/bin/chromium';
const IMAGES = Number(process.env.VIEW_BENCH_IMAGES ?? 1000);

export default async function viewBench() {
  if (!existsSync(join(shared, 'datasets')) || !existsSync(chromiumPath)) {
    process.stderr.write('bench view: skipped (needs the test bed and Chromium)\n');
    return [];
  }
  const base = mkdtempSync(join(tmpdir(), 'cam-view-bench-'));
  try {
    const run = join(base, 'run');
    const cli = (args) => {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    };
    const common = [
      join(shared, 'datasets', 'ilsvrc2012-val-1000'),
      '--model',
      join(shared, 'models', 'mobilenetv1-0.25-128-imagenet.onnx'),
      '--preset',
      'mobilenet',
      '--limit',
      String(IMAGES),
      '--no-report',
    ];
    let t = performance.now();
    cli(['run', ...common, '--out', join(base, 'plain'), '--no-grid-maps']);
    const plainMs = performance.now() - t;
    t = performance.now();
    cli(['run', ...common, '--out', run]);
    const mapsMs = performance.now() - t;
    const mapBytes = statSync(join(run, 'grid-maps.jsonl')).size;
    cli(['view', run, '--export', join(base, 'page')]);

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const opened = performance.now();
    await page.goto(`file://${join(base, 'page', 'index.html')}`);
    await page.waitForFunction(() => window.camView?.ready === true, null, { timeout: 60_000 });
    const openMs = performance.now() - opened;
    const inPage = await page.evaluate(() => window.camView.openMs);
    const moves = [];
    const computes = [];
    for (let i = 0; i < 15; i++) {
      const timing = await page.evaluate(
        (t) => {
          window.camView.setThreshold(t);
          return window.camView.timing();
        },
        0.2 + (i % 5) * 0.037,
      );
      moves.push(timing.redrawMs);
      computes.push(timing.computeMs);
    }
    await browser.close();
    const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    return [
      {
        name: `open ${IMAGES}-image run (navigation to ready)`,
        value: openMs,
        unit: 'ms',
        note: `in page ${inPage.toFixed(0)} ms; target < 2000`,
      },
      {
        name: 'slider move: all boxes + figures + visible photos',
        value: median(moves),
        unit: 'ms',
        note: 'median of 15; target < 100',
      },
      {
        name: 'slider move: boxes of every image alone',
        value: median(computes),
        unit: 'ms',
        note: `${(median(computes) / IMAGES).toFixed(3)} ms/image`,
      },
      { name: 'grid maps on disk', value: mapBytes / IMAGES, unit: 'B/img', note: 'grid-maps.jsonl' },
      {
        name: 'run time with maps vs without',
        value: (mapsMs - plainMs) / IMAGES,
        unit: 'ms/img',
        note: `${(mapsMs / 1000).toFixed(1)} s vs ${(plainMs / 1000).toFixed(1)} s (one run each, noisy)`,
      },
    ];
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
