import { SeededRandom } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { noisyLinearImpute } from '../../src/index.js';

const NEIGHBOURS: [number, number, number][] = [
  [0, 1, 1 / 6],
  [0, -1, 1 / 6],
  [1, 0, 1 / 6],
  [-1, 0, 1 / 6],
  [1, 1, 1 / 12],
  [1, -1, 1 / 12],
  [-1, 1, 1 / 12],
  [-1, -1, 1 / 12],
];

describe('noisyLinearImpute (ROAD)', () => {
  it('interpolates linearly between two kept pixels of a row', () => {
    // [a, ?, ?, d]: 2 x1 - x2 = a and 2 x2 - x1 = d give (2a + d)/3 and (a + 2d)/3.
    const input = new Float32Array(12);
    input.set([3, 0, 0, 9]);
    const out = noisyLinearImpute(input, 4, 1, Uint8Array.from([0, 1, 1, 0]), 0, new SeededRandom(0));
    expect(out[1]).toBeCloseTo(5, 5);
    expect(out[2]).toBeCloseTo(7, 5);
    expect(out[0]).toBe(3);
    expect(out[3]).toBe(9);
  });

  it('fills a 3x3 centre with the weighted mean of its 8 neighbours', () => {
    const input = Float32Array.from({ length: 27 }, (_, i) => (i * 7) % 11);
    const removed = new Uint8Array(9);
    removed[4] = 1;
    const out = noisyLinearImpute(input, 3, 3, removed, 0, new SeededRandom(0));
    for (let c = 0; c < 3; c++) {
      const at = (y: number, x: number) => input[c * 9 + y * 3 + x]!;
      const mean = NEIGHBOURS.reduce((s, [dy, dx, w]) => s + w * at(1 + dy, 1 + dx), 0);
      expect(out[c * 9 + 4]).toBeCloseTo(mean, 5);
    }
  });

  it('makes every removed pixel the weighted mean of its neighbours on a large irregular hole', () => {
    const width = 64;
    const height = 48;
    const plane = width * height;
    const random = new SeededRandom(7);
    const input = Float32Array.from({ length: 3 * plane }, () => random.uniform() * 2 - 1);
    // 90% removed: a disc plus scattered pixels, as a CAM's most relevant pixels look.
    const removed = new Uint8Array(plane);
    for (let p = 0; p < plane; p++) {
      const x = p % width;
      const y = Math.floor(p / width);
      removed[p] = (x - 30) ** 2 + (y - 20) ** 2 < 400 || random.uniform() < 0.88 ? 1 : 0;
    }
    const out = noisyLinearImpute(input, width, height, removed, 0, new SeededRandom(0));
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) {
        if (removed[p] === 0) {
          expect(out[c * plane + p]).toBe(input[c * plane + p]);
          continue;
        }
        const x = p % width;
        const y = Math.floor(p / width);
        let sum = 0;
        let weight = 0;
        for (const [dy, dx, w] of NEIGHBOURS) {
          if (x + dx < 0 || x + dx >= width || y + dy < 0 || y + dy >= height) continue;
          sum += w * out[c * plane + (y + dy) * width + x + dx]!;
          weight += w;
        }
        worst = Math.max(worst, Math.abs(out[c * plane + p]! - sum / weight));
      }
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('refuses to impute an image with no kept pixel', () => {
    expect(() =>
      noisyLinearImpute(new Float32Array(6), 2, 1, Uint8Array.from([1, 1]), 0, new SeededRandom(0)),
    ).toThrow(/at least one kept pixel/);
  });
});
