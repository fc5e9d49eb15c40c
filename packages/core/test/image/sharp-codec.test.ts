import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/errors.js';
import { encodeGrayPng, encodeImage, formatFromPath, writeImage } from '../../src/image/encode.js';
import { loadImage, readImageSize } from '../../src/image/sharp-codec.js';
import { rgbImage } from '../../src/image/types.js';
import { scoreMap } from '../../src/scoremap.js';

const dir = mkdtempSync(join(tmpdir(), 'cam-localize-image-'));

/** A 4x2 image, left half red, right half blue: orientation changes are easy to see. */
function leftRedRightBlue(): Buffer {
  const data = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 4; x++) {
      const o = (y * 4 + x) * 3;
      if (x < 2) data[o] = 255;
      else data[o + 2] = 255;
    }
  }
  return data;
}

async function orientedJpeg(orientation: number): Promise<Buffer> {
  // Scale up so JPEG blocks do not blur the halves together.
  return sharp(leftRedRightBlue(), { raw: { width: 4, height: 2, channels: 3 } })
    .resize(64, 32, { kernel: 'nearest' })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation })
    .toBuffer();
}

function px(img: { width: number; data: Uint8Array }, x: number, y: number): [number, number, number] {
  const o = (y * img.width + x) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}
const isRed = (p: number[]) => p[0]! > 200 && p[2]! < 60;
const isBlue = (p: number[]) => p[2]! > 200 && p[0]! < 60;

async function expectImageError(p: Promise<unknown>, code: string, file: string): Promise<ImageError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageError);
  const e = error as ImageError;
  expect(e.code).toBe(code);
  expect(e.file).toBe(file);
  expect(e.toOneLine()).toContain(file);
  return e;
}

describe('loadImage', () => {
  it('applies EXIF orientation 6 (rotate 90 cw), 8 (90 ccw) and 3 (180)', async () => {
    const six = await loadImage(await orientedJpeg(6));
    expect([six.width, six.height]).toEqual([32, 64]);
    expect(isRed(px(six, 16, 5))).toBe(true); // left half went to the top
    expect(isBlue(px(six, 16, 58))).toBe(true);
    const eight = await loadImage(await orientedJpeg(8));
    expect([eight.width, eight.height]).toEqual([32, 64]);
    expect(isBlue(px(eight, 16, 5))).toBe(true);
    expect(isRed(px(eight, 16, 58))).toBe(true);
    const three = await loadImage(await orientedJpeg(3));
    expect([three.width, three.height]).toEqual([64, 32]);
    expect(isBlue(px(three, 5, 16))).toBe(true);
    expect(isRed(px(three, 58, 16))).toBe(true);
  });

  it('reads a path and names the file', async () => {
    const path = join(dir, 'x.jpg');
    writeFileSync(path, await orientedJpeg(1));
    const img = await loadImage(path);
    expect(img.file).toBe(path);
    expect(img.data.length).toBe(64 * 32 * 3);
  });

  it('turns grey into RGB', async () => {
    const grey = await sharp(Buffer.alloc(6 * 4, 90), { raw: { width: 6, height: 4, channels: 1 } })
      .png()
      .toBuffer();
    const img = await loadImage(grey);
    expect(img.data.length).toBe(6 * 4 * 3);
    expect(px(img, 3, 2)).toEqual([90, 90, 90]);
  });

  it('flattens grey+alpha and RGBA onto white', async () => {
    const ga = Buffer.alloc(4 * 4 * 2);
    for (let i = 0; i < 16; i++) {
      ga[2 * i] = 0;
      ga[2 * i + 1] = i < 8 ? 0 : 255; // top half transparent black, bottom opaque black
    }
    const img = await loadImage(
      await sharp(ga, { raw: { width: 4, height: 4, channels: 2 } })
        .png()
        .toBuffer(),
    );
    expect(px(img, 1, 0)).toEqual([255, 255, 255]);
    expect(px(img, 1, 3)).toEqual([0, 0, 0]);
    const rgba = Buffer.from([255, 0, 0, 128, 0, 0, 255, 0]);
    const img2 = await loadImage(
      await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const half = px(img2, 0, 0);
    expect(half[0]).toBe(255);
    expect(Math.abs(half[1]! - 127)).toBeLessThanOrEqual(1); // red at 50% over white
    expect(px(img2, 1, 0)).toEqual([255, 255, 255]);
  });

  it('converts CMYK JPEGs to sRGB', async () => {
    const cmyk = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 20, g: 200, b: 40 } },
    })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const img = await loadImage(cmyk);
    expect(img.data.length).toBe(8 * 8 * 3);
    const [r, g, b] = px(img, 4, 4);
    expect(g).toBeGreaterThan(r + 60);
    expect(g).toBeGreaterThan(b + 60);
  });

  it('reduces 16-bit PNGs to 8 bits', async () => {
    const png16 = await sharp({
      create: { width: 5, height: 3, channels: 3, background: { r: 10, g: 200, b: 30 } },
    })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const img = await loadImage(png16);
    expect(px(img, 2, 1)).toEqual([10, 200, 30]);
  });

  it('expands palette PNGs', async () => {
    const pal = await sharp(leftRedRightBlue(), { raw: { width: 4, height: 2, channels: 3 } })
      .png({ palette: true, colours: 4, dither: 0 })
      .toBuffer();
    expect((await sharp(pal).metadata()).isPalette).toBe(true);
    const img = await loadImage(pal);
    expect(px(img, 0, 0)).toEqual([255, 0, 0]);
    expect(px(img, 3, 1)).toEqual([0, 0, 255]);
  });

  it('rejects truncated files, random bytes and missing files, naming the file', async () => {
    const jpg = await orientedJpeg(1);
    await expectImageError(
      loadImage(jpg.subarray(0, jpg.length >> 1), { file: 'cut.jpg' }),
      'E_IMAGE_READ',
      'cut.jpg',
    );
    const noise = Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 7919) % 251));
    await expectImageError(loadImage(noise, { file: 'noise.bin' }), 'E_IMAGE_READ', 'noise.bin');
    const missing = join(dir, 'missing.png');
    await expectImageError(loadImage(missing), 'E_IMAGE_READ', missing);
  });

  it('refuses decompression bombs above maxPixels, naming the size', async () => {
    const bomb = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#fff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(200_000);
    const e = await expectImageError(
      loadImage(bomb, { maxPixels: 1_000_000, file: 'bomb.png' }),
      'E_IMAGE_TOO_LARGE',
      'bomb.png',
    );
    expect(e.message).toContain('4000x3000');
    const ok = await loadImage(bomb, { maxPixels: 12_000_000 });
    expect(ok.width).toBe(4000);
  });
});

describe('loadImage from a path gives what its bytes give', () => {
  it('gives the pixels the bytes give: orientation, alpha, grey, 16 bits', async () => {
    const rgba = await sharp(Buffer.from(Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) % 256)), {
      raw: { width: 5, height: 3, channels: 4 },
    })
      .png()
      .toBuffer();
    const grey16 = await sharp(Buffer.from(Array.from({ length: 4 * 4 * 2 }, (_, i) => (i * 53) % 256)), {
      raw: { width: 4, height: 4, channels: 1 },
    })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    const files: [string, Buffer][] = [
      ['six.jpg', await orientedJpeg(6)],
      ['three.jpg', await orientedJpeg(3)],
      ['rgba.png', rgba],
      ['grey16.png', grey16],
    ];
    for (const [name, bytes] of files) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const fromPath = await loadImage(path);
      const fromBytes = await loadImage(bytes, { file: path });
      expect([fromPath.width, fromPath.height], name).toEqual([fromBytes.width, fromBytes.height]);
      expect(Buffer.from(fromPath.data).equals(Buffer.from(fromBytes.data)), name).toBe(true);
      expect(fromPath.file).toBe(path);
    }
  });

  it('gives the same typed errors: truncated, not an image, too many pixels, a folder', async () => {
    const jpg = await orientedJpeg(1);
    const cut = join(dir, 'cut-on-disk.jpg');
    writeFileSync(cut, jpg.subarray(0, jpg.length >> 1));
    await expectImageError(loadImage(cut), 'E_IMAGE_READ', cut);
    const text = join(dir, 'text.jpg');
    writeFileSync(text, 'not a picture');
    await expectImageError(loadImage(text), 'E_IMAGE_READ', text);
    const big = join(dir, 'big.png');
    writeFileSync(
      big,
      await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    const e = await expectImageError(loadImage(big, { maxPixels: 1_000_000 }), 'E_IMAGE_TOO_LARGE', big);
    expect(e.message).toContain('3000x2000');
    await expectImageError(loadImage(dir), 'E_IMAGE_READ', dir);
  });
});

describe('encoding', () => {
  const img = rgbImage(
    3,
    2,
    Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]),
  );

  it('round-trips PNG losslessly and writes by extension', async () => {
    const back = await loadImage(await encodeImage(img, 'png'));
    expect([...back.data]).toEqual([...img.data]);
    const path = join(dir, 'out.webp');
    await writeImage(path, img);
    expect((await sharp(path).metadata()).format).toBe('webp');
    expect(formatFromPath('a.JPG')).toBe('jpeg');
    expect(() => formatFromPath('a.gif')).toThrow(/extension/);
    const jpeg = await encodeImage(img, 'jpeg', { quality: 80 });
    expect((await sharp(jpeg).metadata()).format).toBe('jpeg');
  });

  it('writes masks and score maps as grey PNGs', async () => {
    const mask = { width: 3, height: 1, data: Uint8Array.from([0, 1, 7]) };
    const png = await encodeGrayPng(mask, { binary: true });
    expect((await sharp(png).metadata()).channels).toBe(1);
    const bin = await sharp(png).extractChannel(0).raw().toBuffer();
    expect([...bin]).toEqual([0, 255, 255]);
    const map = scoreMap(4, 1, Float32Array.from([-1, 0.5, 1, 2]));
    const grey = await sharp(await encodeGrayPng(map))
      .extractChannel(0)
      .raw()
      .toBuffer();
    expect([...grey]).toEqual([0, 128, 255, 255]);
  });
});

describe('native code stays lazy', () => {
  it('only sharp-codec.ts loads sharp, and only as a dynamic import or a type; the WebAssembly JPEG decoder too loads on first use', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const root = new URL('../../src/', import.meta.url).pathname;
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
    const users = walk(root).filter((f) =>
      /(from |import\(|import |require\()['"]sharp['"]/.test(readFileSync(f, 'utf8')),
    );
    expect(users.map((f) => f.slice(root.length))).toEqual(['image/sharp-codec.ts']);
    const text = readFileSync(join(root, 'image/sharp-codec.ts'), 'utf8');
    expect(text).not.toMatch(/^import[^;]*from 'sharp'/m);
    const wasmUsers = walk(root).filter((f) => readFileSync(f, 'utf8').includes('@jsquash/jpeg'));
    expect(wasmUsers.map((f) => f.slice(root.length))).toEqual(['image/jpeg-wasm.ts']);
    expect(readFileSync(join(root, 'image/jpeg-wasm.ts'), 'utf8')).not.toMatch(/^import[^;]*@jsquash/m);
  });
});

describe('readImageSize', () => {
  it('gives the upright size loadImage decodes, from the header (EXIF orientation included)', async () => {
    for (const orientation of [1, 3, 6, 8]) {
      const file = join(dir, `size-${orientation}.jpg`);
      writeFileSync(file, await orientedJpeg(orientation));
      const decoded = await loadImage(file);
      expect(await readImageSize(file)).toEqual({ width: decoded.width, height: decoded.height });
    }
  });
  it('does not decode the pixels: a PNG cut after its header still gives its size', async () => {
    const file = join(dir, 'size-truncated.png');
    const whole = await sharp({
      create: { width: 3000, height: 2000, channels: 3, background: { r: 10, g: 20, b: 30 } },
    })
      .png()
      .toBuffer();
    writeFileSync(file, whole.subarray(0, 100));
    expect(await readImageSize(file)).toEqual({ width: 3000, height: 2000 });
    await expectImageError(loadImage(file), 'E_IMAGE_READ', file);
  });
  it("gives sharp's header size for JPEGs read from their markers and for those left to libvips", async () => {
    const cases: [string, Buffer][] = [];
    const base = sharp({
      create: { width: 37, height: 23, channels: 3, background: { r: 200, g: 9, b: 60 } },
    });
    cases.push(['baseline', await base.clone().jpeg().toBuffer()]);
    cases.push(['progressive', await base.clone().jpeg({ progressive: true }).toBuffer()]);
    cases.push(['grey', await base.clone().greyscale().jpeg().toBuffer()]);
    cases.push(['icc', await base.clone().withMetadata({ icc: 'p3' }).jpeg().toBuffer()]);
    cases.push(['exif-1', await orientedJpeg(1)]);
    cases.push(['exif-6', await orientedJpeg(6)]);
    // Cut short (no end-of-image marker) and with bytes after it: left to libvips.
    const whole = await base.clone().jpeg().toBuffer();
    cases.push(['cut', whole.subarray(0, whole.length - 20)]);
    cases.push(['no-eoi', whole.subarray(0, whole.length - 2)]);
    cases.push(['trailing', Buffer.concat([whole, Buffer.from('abc')])]);
    for (const [name, bytes] of cases) {
      const file = join(dir, `size-case-${name}.jpg`);
      writeFileSync(file, bytes);
      const meta = await sharp(file)
        .metadata()
        .catch(() => undefined);
      if (meta === undefined) {
        await expectImageError(readImageSize(file), 'E_IMAGE_READ', file);
        continue;
      }
      const swap = (meta.orientation ?? 1) >= 5;
      const expected = swap
        ? { width: meta.height, height: meta.width }
        : { width: meta.width, height: meta.height };
      expect(await readImageSize(file), name).toEqual(expected);
    }
  });
  it('names the file it cannot read', async () => {
    const file = join(dir, 'size-missing.jpg');
    await expectImageError(readImageSize(file), 'E_IMAGE_READ', file);
    const text = join(dir, 'size-text.jpg');
    writeFileSync(text, 'not an image');
    await expectImageError(readImageSize(text), 'E_IMAGE_READ', text);
  });
});
