/**
 * The WebAssembly JPEG decoder against sharp: the same bytes wherever it decodes, and never an
 * image where sharp would refuse the file; the header gate sends everything else to sharp.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../../test-support/random.js';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import {
  decodePlainJpeg,
  exifOrientation,
  plainJpegHeader,
  WASM_JPEG_MAX_PIXELS,
} from '../../src/image/jpeg-wasm.js';
import { preprocess } from '../../src/image/preprocess.js';
import { PRESETS } from '../../src/image/presets.js';
import { loadImage, loadPixels } from '../../src/image/sharp-codec.js';

/** Smooth gradients plus noise: enough structure and detail to exercise the IDCT and upsampling. */
function photoLike(width: number, height: number, seed: number): Buffer {
  const next = rng(seed);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const base = (x * (c + 1) * 255) / width / 3 + (y * (3 - c) * 255) / height / 3;
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(base + (next() - 0.5) * 90)));
      }
    }
  }
  return data;
}

async function jpeg(
  width: number,
  height: number,
  seed: number,
  options: { quality?: number; chromaSubsampling?: string; progressive?: boolean; gray?: boolean } = {},
): Promise<Buffer> {
  let p = sharp(photoLike(width, height, seed), { raw: { width, height, channels: 3 } });
  if (options.gray === true) p = p.greyscale();
  return p
    .jpeg({
      quality: options.quality ?? 85,
      chromaSubsampling: options.chromaSubsampling ?? '4:2:0',
      progressive: options.progressive ?? false,
    })
    .toBuffer();
}

/** A TIFF block (EXIF's layout) with IFD0 holding the given SHORT tags. */
function tiff(little: boolean, entries: [tag: number, value: number][]): Uint8Array {
  const b = Buffer.alloc(8 + 2 + entries.length * 12 + 4);
  const u16 = (v: number, at: number) => (little ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (little ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  b.write(little ? 'II' : 'MM', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(entries.length, 8);
  for (const [i, [tag, value]] of entries.entries()) {
    const at = 10 + i * 12;
    u16(tag, at);
    u16(3, at + 2);
    u32(1, at + 4);
    u16(value, at + 8);
  }
  return b;
}

/** The JPEG with an EXIF block (APP1) carrying `orientation` right after its SOI marker. */
function withOrientation(jpegBytes: Buffer, orientation: number): Buffer {
  const body = Buffer.concat([
    Buffer.from('Exif\u0000\u0000', 'latin1'),
    tiff(false, [[0x0112, orientation]]),
  ]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpegBytes.subarray(0, 2), head, body, jpegBytes.subarray(2)]);
}

async function bySharp(bytes: Uint8Array): Promise<Uint8Array> {
  return (await loadImage(bytes, { decoder: 'sharp' })).data;
}

describe('decodePlainJpeg', () => {
  it('gives the bytes sharp gives, over sizes, qualities, subsamplings, progressive and gray', async () => {
    const sizes: [number, number][] = [
      [1, 1],
      [7, 5],
      [17, 33],
      [227, 227],
      [500, 375],
    ];
    let checked = 0;
    for (const [i, [w, h]] of sizes.entries()) {
      for (const variant of [
        { quality: 95, chromaSubsampling: '4:4:4' },
        { quality: 60, chromaSubsampling: '4:2:0' },
        { quality: 80, progressive: true },
        { quality: 90, gray: true },
      ]) {
        const bytes = await jpeg(w, h, 100 * i + checked, variant);
        const mine = await decodePlainJpeg(bytes, 1e8);
        expect(mine, `${w}x${h} ${JSON.stringify(variant)}`).toBeDefined();
        expect(mine!.width).toBe(w);
        expect(mine!.height).toBe(h);
        expect(Buffer.from(mine!.data).equals(Buffer.from(await bySharp(bytes)))).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(20);
  });

  it('never returns an image where sharp refuses the file, and equals sharp where both decode', async () => {
    const good = await jpeg(64, 48, 7, { quality: 90 });
    const next = rng(42);
    let decoded = 0;
    let refused = 0;
    for (let k = 0; k < 120; k++) {
      const broken = Buffer.from(good);
      if (k % 3 === 0) {
        // Truncated somewhere in the scan.
        const cut = 200 + Math.floor(next() * (good.length - 210));
        const mine = await decodePlainJpeg(broken.subarray(0, cut), 1e8);
        expect(mine).toBeUndefined();
        continue;
      }
      const at = 200 + Math.floor(next() * (good.length - 220));
      for (let i = 0; i < 1 + (k % 12); i++) broken[at + i] = Math.floor(next() * 256);
      const mine = await decodePlainJpeg(broken, 1e8);
      const theirs = await loadImage(broken, { decoder: 'sharp' }).then(
        (img) => img.data,
        () => undefined,
      );
      if (mine === undefined) {
        refused++;
        continue;
      }
      decoded++;
      expect(theirs, `corruption ${k}: decoded here, refused by sharp`).toBeDefined();
      expect(Buffer.from(mine.data).equals(Buffer.from(theirs!))).toBe(true);
    }
    // Both outcomes occur, so the test sees each side of the gate.
    expect(decoded).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('goes on after a fatal decoder error (a fresh instance), and loadImage then gives what sharp gives', async () => {
    const good = await jpeg(48, 32, 9);
    // The same file without its Huffman tables: the header passes the gate, the scan is fatal.
    const parts: Buffer[] = [good.subarray(0, 2)];
    let at = 2;
    while (good[at + 1] !== 0xda) {
      const end = at + 2 + good.readUInt16BE(at + 2);
      if (good[at + 1] !== 0xc4) parts.push(good.subarray(at, end));
      at = end;
    }
    parts.push(good.subarray(at));
    const noTables = Buffer.concat(parts);
    expect(plainJpegHeader(noTables)).toBeDefined();
    expect(await decodePlainJpeg(noTables, 1e8)).toBeUndefined();
    // loadImage gives what sharp gives for it (libjpeg-turbo supplies the standard tables).
    const outcome = (decoder: 'auto' | 'sharp') =>
      loadImage(noTables, { decoder }).then(
        (img) => Buffer.from(img.data).toString('base64'),
        (e: unknown) => `error ${(e as { code?: string }).code}`,
      );
    expect(await outcome('auto')).toBe(await outcome('sharp'));
    const again = await decodePlainJpeg(good, 1e8);
    expect(Buffer.from(again!.data).equals(Buffer.from(await bySharp(good)))).toBe(true);
  });

  it('leaves to sharp: colour profiles, EXIF rotations, CMYK, other formats, and images past the limits', async () => {
    const plain = await jpeg(40, 30, 1);
    expect(plainJpegHeader(plain)).toEqual({ width: 40, height: 30, components: 3 });
    const withProfile = await sharp(plain).withIccProfile('p3').jpeg().toBuffer();
    expect(plainJpegHeader(withProfile)).toBeUndefined();
    // (sharp's withMetadata would add a colour profile too: the EXIF block is written by hand.)
    const rotated = withOrientation(plain, 6);
    expect(plainJpegHeader(rotated)).toBeUndefined();
    const turned = await loadImage(rotated);
    expect([turned.width, turned.height]).toEqual([30, 40]);
    const upright = withOrientation(plain, 1);
    expect(plainJpegHeader(upright)).toEqual({ width: 40, height: 30, components: 3 });
    const cmyk = await sharp(plain).toColourspace('cmyk').jpeg().toBuffer();
    expect(plainJpegHeader(cmyk)).toBeUndefined();
    const png = await sharp(plain).png().toBuffer();
    expect(plainJpegHeader(png)).toBeUndefined();
    expect(await decodePlainJpeg(plain, 40 * 30 - 1)).toBeUndefined();
    expect(await decodePlainJpeg(plain, 40 * 30)).toBeDefined();
    // The upright EXIF image decodes here, to sharp's bytes.
    const mine = await decodePlainJpeg(upright, 1e8);
    expect(Buffer.from(mine!.data).equals(Buffer.from(await bySharp(upright)))).toBe(true);
    // Past the WebAssembly cap (in the header alone: the decoder is never reached).
    const huge = Buffer.from(plain);
    const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
    huge.writeUInt16BE(8192, sof + 5);
    huge.writeUInt16BE(4096, sof + 7);
    expect(8192 * 4096).toBeGreaterThan(WASM_JPEG_MAX_PIXELS);
    expect(await decodePlainJpeg(huge, 1e9)).toBeUndefined();
  });
});

describe('exifOrientation', () => {
  it('reads the tag in either byte order, among other tags', () => {
    expect(exifOrientation(tiff(true, [[0x0112, 6]]))).toBe(6);
    expect(
      exifOrientation(
        tiff(false, [
          [0x010f, 2],
          [0x0112, 8],
        ]),
      ),
    ).toBe(8);
  });

  it('is undefined without the tag, and NaN (not plain) for a block it cannot read', () => {
    expect(exifOrientation(tiff(true, [[0x010f, 3]]))).toBeUndefined();
    expect(exifOrientation(new Uint8Array([0x49, 0x49, 42, 0]))).toBeNaN();
    expect(exifOrientation(Buffer.from('XX\u0000\u002a\u0000\u0000\u0000\u0008'))).toBeNaN();
    const cut = tiff(true, [[0x0112, 6]]).subarray(0, 14);
    expect(exifOrientation(cut)).toBeNaN();
  });
});

describe('loadPixels', () => {
  const tensorBytes = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

  it('leaves a plain JPEG in RGBA whose colours are loadImage pixels, and the same tensor comes out', async () => {
    for (const [i, [w, h]] of [
      [227, 227],
      [500, 375],
      [33, 17],
    ].entries()) {
      const bytes = await jpeg(w!, h!, 40 + i);
      const rgb = await loadImage(bytes);
      const pixels = await loadPixels(bytes, { file: 'a.jpg' });
      expect('rgba' in pixels).toBe(true);
      if (!('rgba' in pixels)) continue;
      expect([pixels.width, pixels.height, pixels.file]).toEqual([w, h, 'a.jpg']);
      for (let p = 0; p < w! * h!; p++) {
        if (
          pixels.rgba[4 * p] !== rgb.data[3 * p] ||
          pixels.rgba[4 * p + 1] !== rgb.data[3 * p + 1] ||
          pixels.rgba[4 * p + 2] !== rgb.data[3 * p + 2]
        )
          expect.fail(`pixel ${p} differs`);
      }
      for (const preset of [PRESETS.imagenet, { ...PRESETS.imagenet, interpolation: 'bicubic' as const }]) {
        const a = preprocess(rgb, preset).tensor;
        const b = preprocess(pixels, preset).tensor;
        expect(tensorBytes(b).equals(tensorBytes(a))).toBe(true);
      }
    }
  });

  it('gives RGB for what sharp decodes (a PNG, a rotated JPEG), as loadImage does', async () => {
    const png = await sharp(photoLike(20, 10, 3), { raw: { width: 20, height: 10, channels: 3 } })
      .png()
      .toBuffer();
    const rotated = withOrientation(await jpeg(20, 10, 4), 6);
    for (const bytes of [png, rotated]) {
      const pixels = await loadPixels(bytes);
      expect('rgba' in pixels).toBe(false);
      expect(pixels).toEqual(await loadImage(bytes));
    }
  });
});

describeWithTestBed('decodePlainJpeg on the test bed', () => {
  it('decodes every JPEG without a colour profile to sharp bytes, and leaves the others to sharp', async () => {
    const dirs = [
      shared('datasets', 'ilsvrc2012-val-1000', 'images'),
      shared('datasets', 'raccoon-voc', 'JPEGImages'),
    ];
    let same = 0;
    let toSharp = 0;
    for (const dir of dirs) {
      for (const name of readdirSync(dir)) {
        const bytes = readFileSync(join(dir, name));
        const mine = await decodePlainJpeg(bytes, 1e8);
        if (mine === undefined) {
          toSharp++;
          continue;
        }
        expect(Buffer.from(mine.data).equals(Buffer.from(await bySharp(bytes))), name).toBe(true);
        same++;
      }
    }
    // 4 raccoon photos carry a colour profile (sharp converts them to sRGB; this decoder would not).
    expect(toSharp).toBe(4);
    expect(same).toBe(1196);
  }, 120_000);
});
