import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rgbImage } from '../../src/image/types.js';
import { COLORMAP_NAMES, colormapLut } from '../../src/render/colormaps.js';
import { colorize, drawBoxes, overlay } from '../../src/render/overlay.js';
import { scoreMap } from '../../src/scoremap.js';

// cv2.applyColorMap tables (RGB), from test/fixtures/gen-cv2-resize.py.
const cv2Maps = (
  JSON.parse(readFileSync(new URL('../fixtures/cv2-resize.json', import.meta.url), 'utf8')) as {
    colormaps: Record<string, number[]>;
  }
).colormaps;

/** Relative luminance-ish lightness (Rec. 709 weights on linearised sRGB). */
function lightness(lut: Uint8Array, i: number): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(lut[3 * i]!) + 0.7152 * lin(lut[3 * i + 1]!) + 0.0722 * lin(lut[3 * i + 2]!);
}

describe('colormaps', () => {
  it('jet is exactly OpenCV COLORMAP_JET', () => {
    expect([...colormapLut('jet')]).toEqual(cv2Maps.jet);
    expect([...colormapLut('jet').subarray(0, 3)]).toEqual([0, 0, 128]);
    expect([...colormapLut('jet').subarray(765)]).toEqual([128, 0, 0]);
  });
  it('turbo, viridis and inferno are exactly the OpenCV tables', () => {
    for (const name of ['turbo', 'viridis', 'inferno'] as const)
      expect([...colormapLut(name)], name).toEqual(cv2Maps[name]);
  });
  it('has the right endpoints and monotone lightness for viridis and inferno', () => {
    expect([...colormapLut('viridis').subarray(0, 3)]).toEqual([68, 1, 84]);
    expect([...colormapLut('inferno').subarray(0, 3)].every((v) => v <= 5)).toBe(true);
    expect(colormapLut('inferno')[765]).toBeGreaterThan(245);
    for (const name of ['viridis', 'inferno'] as const) {
      const lut = colormapLut(name);
      for (let i = 1; i < 256; i++)
        expect(lightness(lut, i), `${name} ${i}`).toBeGreaterThanOrEqual(lightness(lut, i - 1) - 1e-3);
    }
    for (const name of COLORMAP_NAMES) expect(colormapLut(name).length).toBe(768);
  });
});

describe('colorize', () => {
  it('indexes the LUT with floor(255 * clamp(v))', () => {
    const lut = colormapLut('jet');
    const img = colorize(scoreMap(4, 1, Float32Array.from([-1, 0, 0.5, 2])));
    expect([...img.data.subarray(0, 3)]).toEqual([...lut.subarray(0, 3)]);
    expect([...img.data.subarray(6, 9)]).toEqual([...lut.subarray(127 * 3, 128 * 3)]);
    expect([...img.data.subarray(9, 12)]).toEqual([...lut.subarray(765)]);
    const n = colorize(scoreMap(2, 1, Float32Array.from([3, 5])), 'viridis', { normalize: true });
    expect([...n.data.subarray(3)]).toEqual([...colormapLut('viridis').subarray(765)]);
  });
});

describe('overlay and boxes', () => {
  it('blends with alpha', () => {
    const img = rgbImage(2, 2, new Uint8Array(12).fill(100));
    const map = scoreMap(2, 2, new Float32Array(4).fill(1)); // jet top: 128, 0, 0
    const out = overlay(img, map, { alpha: 0.25 });
    expect([...out.data.subarray(0, 3)]).toEqual([Math.round(0.75 * 100 + 0.25 * 128), 75, 75]);
    const none = overlay(img, map, { alpha: 0 });
    expect([...none.data]).toEqual([...img.data]);
    expect(() => overlay(img, map, { alpha: 2 })).toThrow(RangeError);
  });
  it('resamples a small map to the image', () => {
    const img = rgbImage(8, 8);
    const out = overlay(img, scoreMap(2, 2, Float32Array.from([0, 0, 0, 1])), {
      alpha: 1,
      resample: 'nearest',
    });
    expect([...out.data.subarray(0, 3)]).toEqual([0, 0, 128]);
    expect([...out.data.subarray((7 * 8 + 7) * 3)]).toEqual([128, 0, 0]);
  });
  it('draws boxes with the line width inside the box, clipped to the image', () => {
    const img = rgbImage(20, 10);
    const out = drawBoxes(img, [{ box: { x0: 2, y0: 3, x1: 12, y1: 9 }, color: [255, 0, 0], width: 2 }]);
    const red = (x: number, y: number) => out.data[(y * 20 + x) * 3] === 255;
    expect(red(2, 3)).toBe(true);
    expect(red(3, 5)).toBe(true); // left side, second column
    expect(red(4, 5)).toBe(false); // interior
    expect(red(11, 5)).toBe(true); // right side ends at x1 - 1
    expect(red(12, 5)).toBe(false);
    expect(red(6, 8)).toBe(true); // bottom row y1 - 1
    expect(red(6, 9)).toBe(false);
    expect(red(1, 3)).toBe(false);
    expect(img.data.every((v) => v === 0)).toBe(true); // input untouched
    const clipped = drawBoxes(img, [
      { box: { x0: -5, y0: -5, x1: 30, y1: 30 }, color: [0, 255, 0], width: 1 },
    ]);
    expect(clipped.data[1]).toBe(0); // edges lie outside: nothing drawn at (0, 0)
    const inside = overlay(img, scoreMap(1, 1), {
      boxes: [{ box: { x0: 0, y0: 0, x1: 20, y1: 10 }, color: [1, 2, 3] }],
    });
    expect([...inside.data.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect([...inside.data.subarray((9 * 20 + 19) * 3)]).toEqual([1, 2, 3]);
  });
});
