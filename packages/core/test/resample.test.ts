import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ImageGeometry } from '../src/geometry.js';
import {
  type ResampleMethod,
  resampleMatrix,
  resampleScoreMap,
  scoreMapToOriginal,
} from '../src/resample.js';
import { scoreMap } from '../src/scoremap.js';

interface Case {
  src: { width: number; height: number; data: number[] };
  width: number;
  height: number;
  rows: number[];
  cols: number[];
  out: Record<ResampleMethod, number[]>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/cv2-resize.json', import.meta.url), 'utf8')) as {
  opencv: string;
  cases: Case[];
};

describe('resampleScoreMap against cv2.resize (fixture from test/fixtures/gen-cv2-resize.py)', () => {
  for (const c of fixture.cases) {
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      it(`${method} ${c.src.width}x${c.src.height} -> ${c.width}x${c.height}`, () => {
        const src = scoreMap(c.src.width, c.src.height, Float32Array.from(c.src.data));
        const out = resampleScoreMap(src, c.width, c.height, method);
        expect(out.width).toBe(c.width);
        expect(out.height).toBe(c.height);
        const expected = c.out[method];
        let maxRel = 0;
        let i = 0;
        // Where an output centre falls exactly on a source pixel edge (a tie), cv2's fixed-point
        // INTER_NEAREST_EXACT may pick the lower pixel; ours takes the higher one: skip those.
        const tie = (i: number, src: number, dst: number) => Number.isInteger(((i + 0.5) * src) / dst);
        for (const r of c.rows) {
          for (const col of c.cols) {
            const want = Math.fround(expected[i++]!);
            if (method === 'nearest' && (tie(r, c.src.height, c.height) || tie(col, c.src.width, c.width)))
              continue;
            const got = out.data[r * c.width + col]!;
            maxRel = Math.max(maxRel, Math.abs(got - want) / Math.max(1, Math.abs(want)));
          }
        }
        if (method === 'nearest') expect(maxRel).toBe(0);
        else expect(maxRel).toBeLessThan(1e-5);
      });
    }
  }
});

describe('resampleScoreMap', () => {
  it('keeps constants constant and copies on identity', () => {
    const m = scoreMap(3, 2, new Float32Array(6).fill(0.25));
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      const out = resampleScoreMap(m, 17, 11, method);
      for (const v of out.data) expect(v).toBeCloseTo(0.25, 6);
    }
    const same = resampleScoreMap(m, 3, 2, 'bicubic');
    expect(same.data).not.toBe(m.data);
    expect([...same.data]).toEqual([...m.data]);
  });
  it('rejects bad sizes', () => {
    expect(() => resampleScoreMap(scoreMap(2, 2), 0, 3)).toThrow(RangeError);
  });
});

describe('scoreMapToOriginal', () => {
  it('equals a plain resize for a plain-resize geometry', () => {
    const data = Float32Array.from({ length: 49 }, (_, i) => Math.sin(i) + 1);
    const m = scoreMap(7, 7, data);
    const g: ImageGeometry = {
      originalWidth: 300,
      originalHeight: 200,
      resizeWidth: 224,
      resizeHeight: 224,
      cropX: 0,
      cropY: 0,
      inputWidth: 224,
      inputHeight: 224,
    };
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      const a = scoreMapToOriginal(m, g, method);
      const b = resampleScoreMap(m, 300, 200, method);
      let max = 0;
      for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
      expect(max).toBeLessThan(1e-5);
    }
  });

  it('puts the crop window back and zeroes what the crop cut away', () => {
    // 500x375 -> 341x256, crop 224 at (58, 16): a 224x224 input-pixel map of ones.
    const g: ImageGeometry = {
      originalWidth: 500,
      originalHeight: 375,
      resizeWidth: 341,
      resizeHeight: 256,
      cropX: 58,
      cropY: 16,
      inputWidth: 224,
      inputHeight: 224,
    };
    const ones = scoreMap(224, 224, new Float32Array(224 * 224).fill(1));
    const out = scoreMapToOriginal(ones, g, 'nearest');
    const at = (x: number, y: number) => out.data[y * 500 + x]!;
    // Crop window in original pixels: pixel centres x + 0.5 in [58*500/341, 282*500/341) = [85.04, 413.49).
    expect(at(84, 100)).toBe(0);
    expect(at(85, 100)).toBe(1);
    expect(at(412, 100)).toBe(1);
    expect(at(413, 100)).toBe(0);
    // y in [16*375/256, 240*375/256) = [23.44, 351.56).
    expect(at(200, 22)).toBe(0);
    expect(at(200, 23)).toBe(1);
    expect(at(200, 351)).toBe(1);
    expect(at(200, 352)).toBe(0);
  });

  it('maps a feature-grid cell to the matching original region', () => {
    // 2x2 grid over a 100x100 input resized from 200x100: cell (1,0) covers x in [100,200), y in [0,50).
    const g: ImageGeometry = {
      originalWidth: 200,
      originalHeight: 100,
      resizeWidth: 100,
      resizeHeight: 100,
      cropX: 0,
      cropY: 0,
      inputWidth: 100,
      inputHeight: 100,
    };
    const out = scoreMapToOriginal(scoreMap(2, 2, Float32Array.from([0, 1, 0, 0])), g, 'nearest');
    expect(out.data[10 * 200 + 99]).toBe(0);
    expect(out.data[10 * 200 + 100]).toBe(1);
    expect(out.data[49 * 200 + 199]).toBe(1);
    expect(out.data[50 * 200 + 150]).toBe(0);
  });
});

describe('resampleMatrix', () => {
  it('R_y · M · R_xᵀ equals resampleScoreMap for every kernel, up and down', () => {
    const data = Float32Array.from({ length: 7 * 5 }, (_, i) => Math.cos(i * 1.3) * 3);
    const m = scoreMap(7, 5, data);
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      for (const [w, h] of [
        [224, 224],
        [3, 4],
        [7, 11],
      ] as const) {
        const rx = resampleMatrix(w, 7, method);
        const ry = resampleMatrix(h, 5, method);
        const expected = resampleScoreMap(m, w, h, method).data;
        let max = 0;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            let acc = 0;
            for (let j = 0; j < 5; j++) {
              let row = 0;
              for (let i = 0; i < 7; i++) row += data[j * 7 + i]! * rx[x * 7 + i]!;
              acc += ry[y * 5 + j]! * row;
            }
            max = Math.max(max, Math.abs(acc - expected[y * w + x]!));
          }
        }
        expect(max, `${method} ${w}x${h}`).toBeLessThan(1e-5);
      }
    }
  });
});
