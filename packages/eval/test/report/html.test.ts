import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html.js';
import { renderMarkdownReport } from '../../src/report/markdown.js';
import type { ReportInput } from '../../src/report/types.js';

const chromiumPath = process.env.CAM_LOCALIZE_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) console.warn(`\n[cam-localize] SKIPPING browser tests: no Chromium at ${chromiumPath}\n`);

/** A real PNG (solid colour), built by hand so the test needs no image library. */
function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw.set(rgb, y * (width * 3 + 1) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const hostile = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const thresholds = Array.from({ length: 1000 }, (_, i) => i / 1000);
const input: ReportInput = {
  title: `Run on ${hostile}`,
  generated: '2026-11-25T12:00:00Z',
  config: { model: `models/${hostile}.onnx`, threshold: 0.2, resume: false },
  metrics: [
    { name: 'MaxBoxAccV2', value: 61.234, unit: '%' },
    { name: `class ${hostile}`, value: 'n/a' },
  ],
  curves: {
    title: 'BoxAcc vs threshold',
    xLabel: 'CAM threshold',
    yLabel: 'BoxAcc (%)',
    x: thresholds,
    series: [30, 50, 70].map((delta, s) => ({
      label: `IoU ≥ ${delta}%`,
      y: thresholds.map((t) => (90 - delta) * Math.exp(-((t - 0.2 - s * 0.05) ** 2) / 0.02)),
      best: 200 + s * 50,
    })),
  },
  perClass: { title: 'Per class', header: ['class', 'images', 'GT-known Loc'], rows: [[hostile, 3, 66.7]] },
  galleries: [
    {
      title: 'Best examples',
      items: [
        {
          caption: `images/${hostile}.JPEG`,
          src: `data:image/png;base64,${solidPng(32, 24, [255, 0, 0]).toString('base64')}`,
        },
        { caption: 'blocked', src: 'javascript:alert(1)' },
      ],
    },
  ],
  failures: [{ id: `bad ${hostile}.jpg`, error: 'corrupt JPEG' }],
};

describe('Markdown report', () => {
  it('escapes data strings and lists the best thresholds', () => {
    const md = renderMarkdownReport(input);
    expect(md).not.toContain('<script>');
    expect(md).toContain('\\<script\\>');
    expect(md).toMatch(/IoU ≥ 30%: best 60(\.00)? at CAM threshold = 0\.2/);
    expect(md).toContain('| MaxBoxAccV2 | 61.23% |');
  });
});

describe('HTML report (static checks)', () => {
  it('escapes every data string and refuses non-data image sources', () => {
    const html = renderHtmlReport(input);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('onerror="');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('&#60;script&#62;');
  });
});

describe.skipIf(!hasChromium)('HTML report in headless Chromium', () => {
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  let browser: any;
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => browser?.close());

  it('loads without console errors, runs no injected script, and shows curves and images', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(input));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e: Error) => problems.push(e.message));
    await page.goto(`file://${file}`);
    await page.waitForLoadState('load');

    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.title()).toContain('<script>');
    const polylines = await page.locator('svg.curves polyline.series').count();
    expect(polylines).toBe(3);
    const box = await page.locator('svg.curves').boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    const image = page.locator('.gallery img').first();
    expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(32);
    expect(await page.locator('.gallery img').count()).toBe(1);

    const shot: Buffer = await page.screenshot({ fullPage: true, path: join(dir, 'report.png') });
    expect(shot.subarray(1, 4).toString('ascii')).toBe('PNG');
    // The chart's first series colour and the gallery's red image both reach the screen.
    const colours = await page.evaluate(async (png: string) => {
      const img = new Image();
      img.src = `data:image/png;base64,${png}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, img.width, img.height).data;
      let red = 0;
      let blue = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i]! > 240 && data[i + 1]! < 20 && data[i + 2]! < 20) red++;
        if (data[i]! === 0x1f && data[i + 1]! === 0x77 && data[i + 2]! === 0xb4) blue++;
      }
      return { red, blue };
    }, shot.toString('base64'));
    expect(colours.red).toBeGreaterThan(1000);
    expect(colours.blue).toBeGreaterThan(50);
    expect(problems).toEqual([]);
    await page.close();
  });
});
