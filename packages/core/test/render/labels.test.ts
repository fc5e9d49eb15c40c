import { describe, expect, it } from 'vitest';
import { rgbImage } from '../../src/image/types.js';
import { imagenetLabels } from '../../src/imagenet-classes.js';
import { drawTextInPlace, GLYPH_HEIGHT, measureText } from '../../src/render/bitmap-font.js';
import type { ColormapName } from '../../src/render/colormaps.js';
import { drawBoxes, overlay } from '../../src/render/overlay.js';
import { scoreMap } from '../../src/scoremap.js';

const GREEN = [0, 255, 0] as const;
const BLACK = [0, 0, 0] as const;

function solid(width: number, height: number, value: number) {
  return rgbImage(width, height, new Uint8Array(width * height * 3).fill(value));
}

function pixel(image: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const o = (y * image.width + x) * 3;
  return [...image.data.subarray(o, o + 3)];
}

/** Pixels (x, y) where two images differ. */
function differing(a: { width: number; height: number; data: Uint8Array }, b: { data: Uint8Array }) {
  const out: [number, number][] = [];
  for (let i = 0; i < a.width * a.height; i++) {
    if (
      a.data[3 * i] !== b.data[3 * i] ||
      a.data[3 * i + 1] !== b.data[3 * i + 1] ||
      a.data[3 * i + 2] !== b.data[3 * i + 2]
    )
      out.push([i % a.width, Math.floor(i / a.width)]);
  }
  return out;
}

describe('box outlines with a halo', () => {
  const box = { x0: 10, y0: 10, x1: 30, y1: 24 };

  it('stays visible on a black and on a white picture', () => {
    for (const background of [0, 255]) {
      const out = drawBoxes(solid(40, 34, background), [{ box, color: GREEN, width: 2, outline: BLACK }]);
      const y = 17;
      expect(pixel(out, 9, y), `halo outside, background ${background}`).toEqual([...BLACK]);
      expect(pixel(out, 10, y)).toEqual([...GREEN]);
      expect(pixel(out, 11, y)).toEqual([...GREEN]);
      expect(pixel(out, 12, y), 'halo inside').toEqual([...BLACK]);
      expect(pixel(out, 13, y)).toEqual([background, background, background]);
      expect(pixel(out, 8, y)).toEqual([background, background, background]);
      // Whatever the background, the line has a pixel far from it in every channel sum.
      const contrast = (p: number[]) => Math.abs(p[0]! + p[1]! + p[2]! - 3 * background);
      expect(Math.max(contrast(pixel(out, 9, y)), contrast(pixel(out, 10, y)))).toBeGreaterThanOrEqual(255);
    }
  });

  it('without an outline draws the plain line only', () => {
    const out = drawBoxes(solid(40, 34, 255), [{ box, color: GREEN, width: 2 }]);
    expect(pixel(out, 9, 17)).toEqual([255, 255, 255]);
    expect(pixel(out, 12, 17)).toEqual([255, 255, 255]);
  });
});

describe('labels and captions', () => {
  it('a label changes only its tag, above the box, with white ink on black', () => {
    const image = solid(120, 60, 128);
    const box = { x0: 20, y0: 30, x1: 100, y1: 55 };
    const plain = drawBoxes(image, [{ box, color: GREEN, width: 2 }]);
    const labelled = drawBoxes(image, [{ box, color: GREEN, width: 2, label: 'tench 0.93' }]);
    const changed = differing(plain, labelled);
    const size = measureText('tench 0.93', 1);
    expect(changed.length).toBeGreaterThan(0);
    for (const [x, y] of changed) {
      expect(x).toBeGreaterThanOrEqual(20);
      expect(x).toBeLessThan(20 + size.width);
      expect(y).toBeGreaterThanOrEqual(30 - size.height);
      expect(y).toBeLessThan(30);
    }
    const colours = new Set(changed.map(([x, y]) => pixel(labelled, x, y).join(',')));
    expect(colours).toEqual(new Set(['0,0,0', '255,255,255']));
  });

  it('goes inside the box at the top edge, and stays inside the picture at the right', () => {
    const image = solid(60, 40, 128);
    const box = { x0: 30, y0: 0, x1: 60, y1: 40 };
    const out = drawBoxes(image, [{ box, color: GREEN, width: 1, label: 'LABEL' }]);
    const size = measureText('LABEL', 1);
    expect(size.width).toBeGreaterThan(30);
    const changed = differing(drawBoxes(image, [{ box, color: GREEN, width: 1 }]), out);
    expect(Math.min(...changed.map(([x]) => x))).toBe(60 - size.width);
    expect(Math.max(...changed.map(([, y]) => y))).toBeLessThan(size.height);
  });

  it('prints lower case as upper case and unknown characters as ?', () => {
    const draw = (text: string) => {
      const image = solid(40, 12, 0);
      drawTextInPlace(image, text, 0, 0);
      return image.data;
    };
    expect([...draw('ab')]).toEqual([...draw('AB')]);
    expect([...draw('é')]).toEqual([...draw('?')]);
    expect([...draw('0')]).not.toEqual([...draw('8')]);
  });

  it('scales glyphs by whole pixels', () => {
    expect(measureText('ab', 1)).toEqual({ width: 13, height: GLYPH_HEIGHT + 2 });
    expect(measureText('ab', 3)).toEqual({ width: 39, height: 3 * (GLYPH_HEIGHT + 2) });
  });

  it('an overlay caption differs from the plain overlay in the corner only', () => {
    const image = solid(64, 64, 200);
    const map = scoreMap(4, 4, new Float32Array(16).fill(0.5));
    const plain = overlay(image, map);
    const captioned = overlay(image, map, { caption: { text: 'cat 0.5' } });
    const size = measureText('cat 0.5', 1);
    const changed = differing(plain, captioned);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every(([x, y]) => x < size.width && y < size.height)).toBe(true);
  });
});

describe('overlay colours', () => {
  // The first and last entries of the published tables (OpenCV's applyColorMap gives the same).
  const ENDPOINTS: Record<ColormapName, [number[], number[]]> = {
    jet: [
      [0, 0, 128],
      [128, 0, 0],
    ],
    turbo: [
      [48, 18, 59],
      [122, 4, 3],
    ],
    viridis: [
      [68, 1, 84],
      [253, 231, 37],
    ],
    inferno: [
      [0, 0, 4],
      [252, 255, 164],
    ],
  };

  it('alpha 1 shows each colormap with its known endpoint colours', () => {
    const image = solid(2, 1, 90);
    const map = scoreMap(2, 1, Float32Array.from([0, 1]));
    for (const [name, [low, high]] of Object.entries(ENDPOINTS)) {
      const out = overlay(image, map, { colormap: name as ColormapName, alpha: 1 });
      expect(pixel(out, 0, 0), name).toEqual(low);
      expect(pixel(out, 1, 0), name).toEqual(high);
    }
  });

  it('alpha 0 gives the original picture for every colormap', () => {
    const image = rgbImage(
      3,
      2,
      Uint8Array.from({ length: 18 }, (_, i) => i * 13),
    );
    const map = scoreMap(3, 2, Float32Array.from([0, 0.2, 0.4, 0.6, 0.8, 1]));
    for (const name of Object.keys(ENDPOINTS)) {
      expect([...overlay(image, map, { colormap: name as ColormapName, alpha: 0 }).data]).toEqual([
        ...image.data,
      ]);
    }
  });
});

describe('built-in ImageNet-1k class names', () => {
  it('names the 1000 classes in the standard (sorted wnid) order', () => {
    const labels = imagenetLabels();
    expect(labels.names).toHaveLength(1000);
    expect(new Set(labels.wnids).size).toBe(1000);
    const wnids = labels.wnids as string[];
    expect([...wnids].sort()).toEqual(wnids);
    expect([labels.wnids[0], labels.nameOf(0)]).toEqual(['n01440764', 'tench']);
    expect(labels.nameOf(1)).toBe('goldfish');
    expect(labels.nameOf(207)).toBe('golden retriever');
    expect(labels.nameOf(999)).toBe('toilet tissue');
    expect([labels.indexOf('n04590129'), labels.nameOf(905)]).toEqual([905, 'window shade']);
  });
});
