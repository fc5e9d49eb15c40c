/**
 * `pnpm bench view`: the page of `cam-localize view` in headless Chromium over a 1000-image run
 * (the fast model on the test bed's 1000 ILSVRC photos, exported to a static folder): how long it
 * takes to open (navigation to `camView.ready`: data parsed, every box computed at the run's
 * threshold, the visible photos drawn), the time until the sweep workers have every image's IoU
 * curve, and a slider move (the figures read from the curves, the photos on screen recomputed with
 * localize and redrawn), median of 15 moves, plus one move made before the curves are ready. Also the cost
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
    // A move at once, while the sweep workers still compute the images' IoU curves.
    const early = await page.evaluate(() => {
      window.camView.setThreshold(0.3);
      return window.camView.timing();
    });
    await page.waitForFunction(() => window.camView.curvesReady(), null, { timeout: 120_000, polling: 100 });
    const curvesMs = await page.evaluate(() => window.camView.timing().curvesMs);
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
        name: 'slider move: figures from the IoU curves',
        value: median(computes),
        unit: 'ms',
        note: 'the boxes of the photos on screen are in the move above',
      },
      {
        name: 'IoU curves of every image (sweep workers, after first paint)',
        value: curvesMs,
        unit: 'ms',
        note: `${(curvesMs / IMAGES).toFixed(2)} ms/image of wall time`,
      },
      {
        name: 'slider move before the curves are ready',
        value: early.redrawMs,
        unit: 'ms',
        note: `${early.computedImages} images computed at the threshold`,
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
