/**
 * Memory per image (issue 29, item 12): SVG refused by its content whatever its name (and, when
 * allowed, rendered at the size the preprocessing needs), a full-size decode that holds about one
 * bitmap at a time, the model input area capped at load, and the rule batch x input pixels. The
 * peak RSS is measured in a child process, one decode task as a worker runs it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runModuleScript } from '../../../../test-support/node-script.js';
import { ImageError, ModelError, UsageError } from '../../src/errors.js';
import { loadImage } from '../../src/image/sharp-codec.js';
import { looksLikeSvg, svgDensity } from '../../src/image/svg-sniff.js';
import { CamModel } from '../../src/model.js';
import {
  checkBatchPixels,
  checkInputArea,
  DEFAULT_MAX_BATCH_PIXELS,
  DEFAULT_MAX_INPUT_PIXELS,
} from '../../src/pipeline/memory-budget.js';
import { typeScriptSourceHooks } from '../../src/threads.js';
import { tinyModel } from '../onnx/builder.js';

const tmp = mkdtempSync(join(tmpdir(), 'cam-memory-'));
/** The file: 118 bytes that declare a 9999x9999 picture, named as a JPEG. */
const SVG_BOMB =
  '<svg xmlns="http://www.w3.org/2000/svg" width="9999" height="9999"><rect width="9999" height="9999" fill="red"/></svg>';
const svgPath = join(tmp, 'bomb.jpg');
writeFileSync(svgPath, SVG_BOMB);
const MB = 1024 * 1024;

describe('SVG by content', () => {
  it('recognises SVG and SVGZ whatever comes first, and no raster format', async () => {
    expect(SVG_BOMB.length).toBe(118);
    const text = (s: string) => new TextEncoder().encode(s);
    expect(looksLikeSvg(text(SVG_BOMB))).toBe(true);
    expect(
      looksLikeSvg(text(`<?xml version="1.0"?>\n<!-- a comment -->\n<!DOCTYPE x>\n<SVG width="9">`)),
    ).toBe(true);
    expect(looksLikeSvg(new Uint8Array([0xef, 0xbb, 0xbf, ...text(SVG_BOMB)]))).toBe(true);
    expect(looksLikeSvg(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe(true); // gzip: SVGZ
    expect(looksLikeSvg(text(`${' '.repeat(1000)}<svg>`))).toBe(false); // beyond libvips' 1000 bytes
    const red = sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } });
    for (const raster of [await red.clone().jpeg().toBuffer(), await red.clone().png().toBuffer()]) {
      expect(looksLikeSvg(raster)).toBe(false);
    }
  });

  it('an SVG named .jpg is an ImageError naming the file; allowed, it renders at the size needed', async () => {
    const refused = await loadImage(svgPath).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ImageError);
    expect((refused as ImageError).file).toBe(svgPath);
    expect((refused as ImageError).toOneLine()).toMatch(/is an SVG \(vector\) image.*`allowSvg`/);
    const image = await loadImage(svgPath, {
      allowSvg: true,
      neededSize: () => ({ width: 256, height: 256 }),
    });
    expect([image.width, image.height]).toEqual([256, 256]);
    expect(Array.from(image.data.subarray(0, 3))).toEqual([255, 0, 0]);
    // never above the size it declares
    expect(svgDensity(100, 50, { width: 400, height: 400 })).toBe(72);
    expect(svgDensity(9999, 9999, { width: 256, height: 146 })).toBeCloseTo((72 * 256) / 9999, 9);
  });
});

describe('peak RSS of one decode task (a child process)', () => {
  const task = pathToFileURL(
    join(import.meta.dirname, '..', '..', 'src', 'pipeline', 'prepare-task.ts'),
  ).href;
  const presets = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'image', 'presets.ts')).href;

  /** Peak RSS in MB of a fresh process that prepares `file` for a 224x224 model, and its outcome. */
  function peakRss(file: string, init: Record<string, unknown> = {}): { mb: number; outcome: string } {
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(typeScriptSourceHooks())});
      const { createPrepareTask } = await import(${JSON.stringify(task)});
      const { PRESETS } = await import(${JSON.stringify(presets)});
      const run = await createPrepareTask({ config: PRESETS.imagenet, inputWidth: 224, inputHeight: 224, ...${JSON.stringify(init)} });
      const outcome = await run({ source: ${JSON.stringify(file)}, file: 'x.jpg', keepImage: false }).then(
        (r) => 'ok ' + r.result.geometry.originalWidth + 'x' + r.result.geometry.originalHeight,
        (e) => 'error ' + e.constructor.name + ': ' + e.message,
      );
      console.log(JSON.stringify({ mb: process.resourceUsage().maxRSS / 1024, outcome }));`;
    const r = runModuleScript(script, 120_000);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { mb: number; outcome: string };
  }

  it('the 118-byte 9999x9999 SVG stays under 200 MB refused and allowed (it took 908 MB)', () => {
    const refused = peakRss(svgPath);
    expect(refused.outcome).toMatch(/^error ImageError: is an SVG/);
    expect(refused.mb).toBeLessThan(200);
    for (const resizeEngine of ['pil', 'vips']) {
      const allowed = peakRss(svgPath, { allowSvg: true, resizeEngine });
      expect(allowed.outcome).toBe('ok 256x256');
      expect(allowed.mb).toBeLessThan(200);
    }
  });

  it('a 300 KB PNG of 9999x9999 decodes at full size (Pillow does) holding one bitmap: under 3.5 bytes a pixel + 150 MB (it took 922 MB)', async () => {
    const png = join(tmp, 'plain.png');
    await sharp({ create: { width: 9999, height: 9999, channels: 3, background: '#c80a0a' } })
      .png({ compressionLevel: 9 })
      .toFile(png);
    const { mb, outcome } = peakRss(png);
    expect(outcome).toBe('ok 9999x9999');
    expect(mb).toBeLessThan((3.5 * 9999 * 9999) / MB + 150);
  });
});

describe('model input area and batch memory', () => {
  it('a model input above --max-input-pixels is refused at load, naming the model', async () => {
    expect(DEFAULT_MAX_INPUT_PIXELS).toBe(2048 * 2048);
    expect(() => checkInputArea('m.onnx', 8000, 8000)).toThrow(ModelError);
    expect(() => checkInputArea('m.onnx', 8000, 8000)).toThrow(
      /the model input is 8000x8000 = 64000000 pixels per image, more than the limit of 4194304/,
    );
    expect(() => checkInputArea('m.onnx', 2048, 2048)).not.toThrow();
    const path = join(tmp, 'tiny.onnx');
    writeFileSync(path, tinyModel('gemm', { batch: 1 })); // a 6x6 input
    const error = await CamModel.load(path, { device: 'cpu', maxInputPixels: 35 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).file).toBe(path);
    expect((error as ModelError).message).toMatch(/6x6 = 36 pixels per image, more than the limit of 35/);
    const model = await CamModel.load(path, { device: 'cpu', maxInputPixels: 36 });
    await model.release();
  });

  it('batch x input pixels above the budget is refused, with the batch that fits', () => {
    expect(DEFAULT_MAX_BATCH_PIXELS).toBe(32 * 1024 * 1024);
    expect(() => checkBatchPixels('m.onnx', 1024, 1024, 32)).not.toThrow();
    expect(() => checkBatchPixels('m.onnx', 1024, 1024, 33)).toThrow(UsageError);
    expect(() => checkBatchPixels('m.onnx', 2048, 2048, 16)).toThrow(
      expect.objectContaining({ file: 'm.onnx', hint: expect.stringMatching(/^use `batchSize: 8` or less/) }),
    );
    expect(() => checkBatchPixels('m.onnx', 224, 224, 64, 224 * 224 * 63)).toThrow(
      /a batch of 64 inputs of 224x224 is 3211264 pixels, more than the limit of 3161088/,
    );
  });
});
