/// <reference lib="dom" />
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ilsvrcSubset, readJsonLines } from '../fixtures.js';

const chromiumPath = process.env.CAM_LOCALIZE_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const model = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const FIGURES = [
  'boxacc-vs-threshold',
  'best-iou-histogram',
  'accuracy-vs-iou',
  'accuracy-by-box-size',
  'per-class-best-worst',
  'cam-colour-bar',
  'box-legend',
];

/**
 * Each standalone figure is an <svg> in the SVG namespace that draws something (its parse as XML
 * is checked in Chromium below, and eval's chart tests parse every chart with eval's XML reader).
 */
function expectValidSvgFiles(folder: string, ids: readonly string[]): void {
  expect(readdirSync(folder).sort()).toEqual(ids.map((id) => `${id}.svg`).sort());
  for (const id of ids) {
    const text = readFileSync(join(folder, `${id}.svg`), 'utf8');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')).toBe(true);
    expect(text.match(/^<svg [^>]*>/m)?.[0]).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(text.match(/<(rect|path|line|polyline|text|circle)\b/g)?.length ?? 0, id).toBeGreaterThan(5);
    expect(text.trimEnd().endsWith('</svg>')).toBe(true);
  }
}

describeWithTestBed('report figures and compare (fast model on ILSVRC photos)', () => {
  const base = mkdtempSync(join(tmpdir(), 'cam-report-compare-'));
  const dataset = ilsvrcSubset(24);
  const runA = join(base, 'threshold-0.2');
  const runB = join(base, 'threshold-0.35');
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  let browser: any;

  beforeAll(async () => {
    const a = await runCli(['run', dataset, ...model, '--out', runA, '--threshold', '0.2', '--gallery', '2']);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['run', dataset, ...model, '--out', runB, '--threshold', '0.35', '--no-report']);
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

  it('writes the header, the figures as standalone SVG, per-class.csv and teaching galleries', () => {
    expectValidSvgFiles(join(runA, 'figures'), FIGURES);
    const html = readFileSync(join(runA, 'report.html'), 'utf8');
    for (const label of [
      'dataset',
      'model',
      'method',
      'target',
      'preset',
      'protocol',
      'thresholds',
      'tool version',
      'date',
      'time and throughput',
    ])
      expect(html).toContain(`<dt>${label}</dt>`);
    const sha = JSON.parse(readFileSync(join(runA, 'config.json'), 'utf8')).fingerprint.modelSha256;
    expect(html).toContain(`mobilenetv1-0.25-128-imagenet.onnx (sha256 ${sha})`);
    expect(html).toMatch(/<dt>dataset<\/dt><dd>cam-ilsvrc-\w+ \(wsol-metadata\)<\/dd>/);
    expect(html).toMatch(/24 images in [\d.]+ s, [\d.]+ img\/s overall/);
    const log = JSON.parse(readFileSync(join(runA, 'run-log.json'), 'utf8'));
    expect(log.sessions).toHaveLength(1);
    expect(log.sessions[0].images).toBe(24);

    // per-class.csv: every class once, counts adding up to the scored images, intervals around the rates.
    const csv = readFileSync(join(runA, 'per-class.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'class,name,images,gt_known_loc,gt_known_loc_ci95_low,gt_known_loc_ci95_high,top1_loc,top1_cls',
    );
    const records = readJsonLines<{ gtClass: number; groundTruth: { iou: number } }>(
      join(runA, 'results.jsonl'),
    );
    expect(csv.length - 1).toBe(new Set(records.map((r) => r.gtClass)).size);
    let images = 0;
    for (const line of csv.slice(1)) {
      const cells = line.match(/("[^"]*"|[^,]+)/g)!;
      const [count, rate, low, high] = cells.slice(-6, -2).map(Number);
      images += count!;
      expect(low).toBeLessThanOrEqual(rate!);
      expect(high).toBeGreaterThanOrEqual(rate!);
    }
    expect(images).toBe(24);

    // Galleries name their rule and threshold; the failure-mode table adds up to the scored images.
    expect(html).toContain('Well localized, across object sizes');
    expect(html).toContain('Boxes at CAM threshold 0.2.');
    const outcomes = [
      ...html.matchAll(
        /<tr><td>(localized|too-small|too-large|wrong-object|misplaced|no-box)<\/td><td>[^<]*<\/td><td class="num">(\d+)<\/td>/g,
      ),
    ];
    expect(outcomes).toHaveLength(6);
    expect(outcomes.reduce((n, m) => n + Number(m[2]), 0)).toBe(24);
    const localized = records.filter((r) => r.groundTruth.iou >= 0.5).length;
    expect(Number(outcomes.find((m) => m[1] === 'localized')![2])).toBe(localized);
    expect(readFileSync(join(runA, 'report.md'), 'utf8')).toContain(
      '![Best IoU per image](figures/best-iou-histogram.svg)',
    );
  });

  it.skipIf(!hasChromium)(
    'report.html in Chromium: no console error, every figure drawn, pictures loaded',
    async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on(
        'console',
        (m: { type(): string; text(): string }) => m.type() === 'error' && problems.push(m.text()),
      );
      page.on('pageerror', (e: Error) => problems.push(e.message));
      await page.goto(`file://${join(runA, 'report.html')}`);
      await page.waitForLoadState('load');
      for (const id of FIGURES) {
        const figure = page.locator(`#fig-${id} svg`);
        expect(await figure.count(), id).toBe(1);
        const box = await figure.boundingBox();
        expect(box?.width, id).toBeGreaterThan(200);
        const shot: Buffer = await figure.screenshot();
        const inked = await page.evaluate(async (png: string) => {
          const img = new Image();
          img.src = `data:image/png;base64,${png}`;
          await img.decode();
          const canvas = document.createElement('canvas');
          canvas.width = img.width;
          canvas.height = img.height;
          const ctx = canvas.getContext('2d')!;
          ctx.drawImage(img, 0, 0);
          const data = ctx.getImageData(0, 0, img.width, img.height).data;
          let coloured = 0;
          for (let i = 0; i < data.length; i += 4) {
            const max = Math.max(data[i]!, data[i + 1]!, data[i + 2]!);
            const min = Math.min(data[i]!, data[i + 1]!, data[i + 2]!);
            if (max - min > 60) coloured++;
          }
          return coloured;
        }, shot.toString('base64'));
        expect(inked, `${id} has coloured pixels`).toBeGreaterThan(150);
      }
      // Every standalone file also parses as SVG in the browser.
      for (const id of FIGURES) {
        const text = readFileSync(join(runA, 'figures', `${id}.svg`), 'utf8');
        const error = await page.evaluate((svg: string) => {
          const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
          return doc.querySelector('parsererror')?.textContent ?? doc.documentElement.namespaceURI;
        }, text);
        expect(error, id).toBe('http://www.w3.org/2000/svg');
      }
      const pictures = page.locator('.gallery img');
      expect(await pictures.count()).toBeGreaterThan(0);
      for (const width of await pictures.evaluateAll((imgs: HTMLImageElement[]) =>
        imgs.map((i) => i.complete && i.naturalWidth),
      ))
        expect(width).toBeGreaterThan(50);
      await page.screenshot({ path: join(base, 'report.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it('compare: two thresholds side by side, written only into --out', async () => {
    const out = join(base, 'compare');
    const before = { a: readdirSync(runA).sort(), b: readdirSync(runB).sort() };
    const result = await runCli(['compare', runA, runB, '--out', out, '--images', '5']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`in ${out}`);
    expect({ a: readdirSync(runA).sort(), b: readdirSync(runB).sort() }).toEqual(before);
    expect(readdirSync(out).sort()).toEqual([
      'compare.html',
      'compare.md',
      'disagreements',
      'figures',
      'per-class-differences.csv',
    ]);
    expectValidSvgFiles(join(out, 'figures'), ['boxacc-vs-threshold', 'accuracy-vs-iou']);
    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    // The settings that differ: only the threshold.
    expect(html).toMatch(
      /<h2>Settings that differ<\/h2>.*?<tbody><tr><td>threshold<\/td><td>0\.2<\/td><td>0\.35<\/td><\/tr><\/tbody>/s,
    );
    // GT-known Loc of each run as its own metrics say, and their difference.
    const metric = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).localization.gtKnownLoc;
    const [a, b] = [metric(runA), metric(runB)];
    const row = html.match(
      /<tr><td>GT-known Loc<\/td><td class="num">([\d.]+)<\/td><td class="num">([\d.]+)<\/td><td>([^<]+)<\/td><\/tr>/,
    );
    expect(row).not.toBeNull();
    expect(Number(row![1])).toBeCloseTo(a, 2);
    expect(Number(row![2])).toBeCloseTo(b, 2);
    // The most disagreeing images: the largest |IoU A - IoU B| among the records, in order.
    const iou = (dir: string) =>
      new Map(
        readJsonLines<{ id: string; groundTruth: { iou: number } }>(join(dir, 'results.jsonl')).map((r) => [
          r.id,
          r.groundTruth.iou,
        ]),
      );
    const [ia, ib] = [iou(runA), iou(runB)];
    const spreads = [...ia.keys()].map((id) => Math.abs(ia.get(id)! - ib.get(id)!)).sort((x, y) => y - x);
    const table = html.match(/<h2>Images where the runs disagree most<\/h2>.*?<tbody>(.*?)<\/tbody>/s)![1]!;
    const shown = [...table.matchAll(/<td class="num">([\d.]+)<\/td><\/tr>/g)].map((m) => Number(m[1]));
    expect(shown).toHaveLength(5);
    for (const [i, s] of shown.entries()) expect(s).toBeCloseTo(spreads[i]!, 2);
    expect(readdirSync(join(out, 'disagreements'))).toHaveLength(5);
    expect(readFileSync(join(out, 'per-class-differences.csv'), 'utf8').split('\n')[0]).toBe(
      'class,name,images,GT-known Loc % A,GT-known Loc % B,difference',
    );
    if (hasChromium) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on(
        'console',
        (m: { type(): string; text(): string }) => m.type() === 'error' && problems.push(m.text()),
      );
      await page.goto(`file://${join(out, 'compare.html')}`);
      expect(await page.locator('svg.curves polyline.series').count()).toBe(6 + 2);
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it('compare refuses runs of different datasets with exit 2 (an input error) and writes nothing', async () => {
    const other = join(base, 'other');
    const c = await runCli(['run', ilsvrcSubset(10), ...model, '--out', other, '--no-report']);
    expect(c.code, c.stderr).toBe(0);
    const out = join(base, 'refused');
    const result = await runCli(['compare', runA, other, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/different datasets: run A .* has 24 images, run B .* 10; 14 only in A/);
    expect(existsSync(out)).toBe(false);
    expect((await runCli(['compare', runA, '--out', out])).code).toBe(2);
  }, 120_000);

  it('report rebuilds the galleries with fewer examples and leaves no stale picture', async () => {
    const before = readdirSync(join(runA, 'gallery')).length;
    const result = await runCli(['report', runA, '--gallery', '1']);
    expect(result.code, result.stderr).toBe(0);
    const html = readFileSync(join(runA, 'report.html'), 'utf8');
    const pictures = (html.match(/<img src="data:image\/jpeg;base64,/g) ?? []).length;
    expect(pictures).toBeGreaterThan(0);
    expect(pictures).toBeLessThan(before);
    expect(readdirSync(join(runA, 'gallery'))).toHaveLength(pictures);
    // The header keeps the run's own date and speed (run-log.json), not the report's.
    expect(html).toMatch(/24 images in [\d.]+ s/);
  }, 120_000);
});
