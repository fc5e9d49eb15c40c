import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resizeRgb } from '../../src/image/resize.js';
import { rgbImage } from '../../src/image/types.js';

// Pillow's Image.resize outputs, from test/fixtures/gen-pil-resize.py.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/pil-resize.json', import.meta.url), 'utf8')) as {
  src: { width: number; height: number; data: string };
  cases: { width: number; height: number; filter: 'bilinear' | 'bicubic' | 'nearest'; data: string }[];
};
const src = rgbImage(
  fixture.src.width,
  fixture.src.height,
  new Uint8Array(Buffer.from(fixture.src.data, 'base64')),
);

describe('resizeRgb is bit-exact with Pillow Image.resize', () => {
  for (const c of fixture.cases) {
    it(`${c.filter} ${src.width}x${src.height} -> ${c.width}x${c.height}`, () => {
      const want = new Uint8Array(Buffer.from(c.data, 'base64'));
      const got = resizeRgb(src, c.width, c.height, c.filter, true);
      let diff = 0;
      for (let i = 0; i < want.length; i++) if (got.data[i] !== want[i]) diff++;
      expect(diff).toBe(0);
    });
  }
});

describe('resizeRgb', () => {
  it('keeps a constant image constant without antialias too', () => {
    const img = rgbImage(10, 6, new Uint8Array(180).fill(77));
    for (const f of ['bilinear', 'bicubic', 'nearest'] as const) {
      for (const aa of [true, false]) {
        const out = resizeRgb(img, 3, 17, f, aa);
        expect(out.data.every((v) => v === 77)).toBe(true);
      }
    }
  });
  it('copies on identity and keeps the file name', () => {
    const img = rgbImage(2, 2, new Uint8Array(12).fill(5), 'a.png');
    const out = resizeRgb(img, 2, 2);
    expect(out.data).not.toBe(img.data);
    expect(out.file).toBe('a.png');
  });
});
