/// <reference lib="dom" />
/**
 * Issue 26, item 10: the report's and compare's figures read right. A real run of the fast model,
 * its report and a comparison, checked on the figures' SVG text (label and whisker positions,
 * legends off the curves, class labels) and in a real Chromium (no page wider than the window).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { hasChromium, launchChromium } from '../chromium.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ilsvrcSubset, readJsonLines } from '../fixtures.js';
import { lineBox, overlaps, points, rectBox, svgElements, textBox, withClass } from './svg-geometry.js';

const model = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];

const figure = (dir: string, id: string) => readFileSync(join(dir, 'figures', `${id}.svg`), 'utf8');

/** per-class.csv as rows: class, name, images, rate, Wilson low, Wilson high. */
function perClass(dir: string): Map<number, { name: string; low: number; high: number }> {
  const lines = readFileSync(join(dir, 'per-class.csv'), 'utf8').trim().split('\n').slice(1);
  return new Map(
    lines.map((line) => {
      const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
      const name = cells[1]!.replace(/^"|"$/g, '').replace(/""/g, '"');
      return [Number(cells[0]), { name, low: Number(cells[4]), high: Number(cells[5]) }];
    }),
  );
}

describeWithTestBed('the report’s figures (issue 26, item 10)', () => {
  const base = mkdtempSync(join(tmpdir(), 'cam-report-figures-'));
  const dataset = ilsvrcSubset(16);
  const runA = join(base, 'threshold-0.2');
  const runB = join(base, 'threshold-0.35');
  const compared = join(base, 'compared');
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  let browser: any;

  beforeAll(async () => {
    const runs = [
      ['run', dataset, ...model, '--out', runA, '--threshold', '0.2', '--gallery', '3'],
      ['run', dataset, ...model, '--out', runB, '--threshold', '0.35', '--no-report'],
      ['compare', runA, runB, '--out', compared, '--images', '2'],
    ];
    for (const args of runs) {
      const result = await runCli(args);
      expect(result.code, result.stderr).toBe(0);
    }
    if (hasChromium) browser = await launchChromium();
  }, 240_000);
  afterAll(async () => browser?.close());

  it('puts the value labels of the box-size bars off their error whiskers', () => {
    const svg = figure(runA, 'accuracy-by-box-size');
    const values = withClass(svgElements(svg, 'text'), 'value');
    const whiskers = svgElements(svg, 'line').filter((l) => l.attributes.stroke === '#222');
    expect(values.length).toBeGreaterThan(0);
    expect(whiskers.length).toBe(3 * values.length);
    for (const value of values)
      for (const whisker of whiskers)
        expect(overlaps(textBox(value), lineBox(whisker)), `${value.text} on a whisker`).toBe(false);
  });

  it('gives the red and green per-class bars a legend, and class names with their index, cut between words', () => {
    const svg = figure(runA, 'per-class-best-worst');
    const barColours = new Set(withClass(svgElements(svg, 'rect'), 'bar').map((r) => r.attributes.fill));
    const swatches = withClass(svgElements(svg, 'rect'), 'legend-swatch');
    expect(new Set(swatches.map((s) => s.attributes.fill))).toEqual(barColours);
    expect(withClass(svgElements(svg, 'text'), 'legend').map((t) => t.text)).toEqual([
      expect.stringMatching(/^Best \d+$/),
      expect.stringMatching(/^Worst \d+$/),
    ]);
    const classes = perClass(runA);
    const labels = withClass(svgElements(svg, 'text'), 'label');
    expect(labels.length).toBeGreaterThan(0);
    for (const { text } of labels) {
      const [, shown, index] = text.match(/^(.*) \((\d+)\)$/) ?? [];
      expect(index, text).toBeDefined();
      const full = classes.get(Number(index))!.name;
      if (!shown!.endsWith('…')) expect(shown).toBe(full);
      else {
        const kept = shown!.slice(0, -1);
        expect(full.startsWith(kept), text).toBe(true);
        expect([' ', ','], `${text} cut mid-word`).toContain(full[kept.length]);
      }
    }
  });

  it('marks the box threshold on the colour bar', () => {
    const svg = figure(runA, 'cam-colour-bar');
    const frame = svgElements(svg, 'rect').find((r) => r.attributes.fill === 'none')!;
    const { x0, x1 } = rectBox(frame);
    const [marker] = withClass(svgElements(svg, 'line'), 'marker');
    expect(Number(marker!.attributes.x1)).toBeCloseTo(x0 + 0.2 * (x1 - x0), 0);
    expect(withClass(svgElements(svg, 'text'), 'marker-label')[0]!.text).toBe('box threshold 0.2');
  });

  it('captions each gallery picture with the true and the predicted class and whether they agree', () => {
    const html = readFileSync(join(runA, 'report.html'), 'utf8');
    const records = new Map(
      readJsonLines<{ id: string; gtClass: number; top: { class: number }[] }>(
        join(runA, 'results.jsonl'),
      ).map((r) => [r.id, r]),
    );
    const captions = [...html.matchAll(/<figure><img [^>]*><figcaption>([^<]*)<\/figcaption>/g)].map(
      (m) => m[1]!,
    );
    expect(captions.length).toBeGreaterThan(2);
    for (const caption of captions) {
      const id = caption.split(' · ')[0]!;
      const record = records.get(id)!;
      const agree = record.top[0]!.class === record.gtClass;
      expect(caption).toMatch(
        new RegExp(
          ` · truth .+ \\(${record.gtClass}\\) · predicted .+ \\(${record.top[0]!.class}\\), ${agree ? 'right' : 'wrong'} · `,
        ),
      );
    }
  });

  it('compare: the legend lies below the curves and names the runs in the standalone SVG', () => {
    for (const id of ['boxacc-vs-threshold', 'accuracy-vs-iou']) {
      const svg = figure(compared, id);
      const lowestCurve = Math.max(
        ...withClass(svgElements(svg, 'polyline'), 'series').flatMap((p) => points(p).map(([, y]) => y)),
      );
      const legend = withClass(svgElements(svg, 'line'), 'legend');
      expect(legend.length).toBeGreaterThan(1);
      for (const line of legend) expect(lineBox(line).y0, id).toBeGreaterThan(lowestCurve);
      const texts = svgElements(svg, 'text').map((t) => t.text);
      expect(
        texts.some((t) => t.startsWith('A: threshold-0.2')),
        id,
      ).toBe(true);
      expect(
        texts.some((t) => t.startsWith('B: threshold-0.35')),
        id,
      ).toBe(true);
    }
  });

  it('compare: per-class differences ranked by the runs’ Wilson intervals, as the report ranks classes', () => {
    const html = readFileSync(join(compared, 'compare.html'), 'utf8');
    const table = html.match(/<h2>Per-class differences[^<]*<\/h2>.*?<tbody>(.*?)<\/tbody>/s)![1]!;
    const shown = [...table.matchAll(/<tr><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(shown.length).toBeGreaterThan(1);
    const [a, b] = [perClass(runA), perClass(runB)];
    const rate = (dir: string) =>
      new Map(
        readFileSync(join(dir, 'per-class.csv'), 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => [Number(l.split(',')[0]), Number(l.split(',').at(-5))]),
      );
    const [ra, rb] = [rate(runA), rate(runB)];
    const separation = (c: number) =>
      rb.get(c)! >= ra.get(c)! ? b.get(c)!.low - a.get(c)!.high : a.get(c)!.low - b.get(c)!.high;
    for (let i = 1; i < shown.length; i++)
      expect(separation(shown[i - 1]!)).toBeGreaterThanOrEqual(separation(shown[i]!) - 1e-3);
  });

  it.runIf(hasChromium)('no page is wider than the window, on a phone or a desktop', async () => {
    for (const width of [360, 1280]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      for (const file of [join(runA, 'report.html'), join(compared, 'compare.html')]) {
        await page.goto(`file://${file}`);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scroll, `${file} at ${width}px`).toBeLessThanOrEqual(width);
      }
      await page.close();
    }
  });

  it('says so when the well-localized gallery has nothing of a size', async () => {
    const tiny = ilsvrcSubset(3);
    // Every ground-truth box a 4-pixel corner: small objects, none localized; none medium or large.
    const ids = readFileSync(join(tiny, 'image_ids.txt'), 'utf8').trim().split('\n');
    writeFileSync(join(tiny, 'localization.txt'), ids.map((id) => `${id},0,0,2,2\n`).join(''));
    const out = join(base, 'tiny-boxes');
    const run = await runCli(['run', tiny, ...model, '--out', out, '--gallery', '2']);
    expect(run.code, run.stderr).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const note = html.match(/<h2>Well localized[^<]*<\/h2><p class="note">([^<]*)<\/p>/)![1]!;
    expect(note).toContain('No small object is shown: none of the 3 was localized (IoU ≥ 0.5).');
    expect(note).toContain('No medium object is shown: the run has no medium object.');
    expect(note).toContain('No large object is shown: the run has no large object.');
  }, 120_000);
});
