import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectedComponents } from '../src/components.js';
import { rng } from './helpers/maps.js';

/** The slow twin: breadth-first flood fill from each unlabelled pixel in raster order. */
function floodFill(mask: Uint8Array, width: number, height: number, eight: boolean) {
  const labels = new Int32Array(mask.length);
  const comps: { area: number; box: number[]; cx: number; cy: number }[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    const label = comps.length + 1;
    const queue = [start];
    labels[start] = label;
    let area = 0;
    let sx = 0;
    let sy = 0;
    const box = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, -1, -1];
    while (queue.length > 0) {
      const p = queue.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      area++;
      sx += x;
      sy += y;
      box[0] = Math.min(box[0]!, x);
      box[1] = Math.min(box[1]!, y);
      box[2] = Math.max(box[2]!, x + 1);
      box[3] = Math.max(box[3]!, y + 1);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if ((dx === 0 && dy === 0) || (!eight && dx !== 0 && dy !== 0)) continue;
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (mask[q] !== 0 && labels[q] === 0) {
            labels[q] = label;
            queue.push(q);
          }
        }
      }
    }
    comps.push({ area, box, cx: sx / area, cy: sy / area });
  }
  return { labels, comps };
}

describe('connectedComponents', () => {
  it('labels a small example in raster order, 8- and 4-connected', () => {
    // 1 1 0 0
    // 0 0 1 0
    // 1 0 0 1
    const mask = Uint8Array.from([1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1]);
    const eight = connectedComponents(mask, 4, 3);
    expect(Array.from(eight.labels)).toEqual([1, 1, 0, 0, 0, 0, 1, 0, 2, 0, 0, 1]);
    expect(eight.components.map((c) => c.area)).toEqual([4, 1]);
    expect(eight.components[0]!.box).toEqual({ x0: 0, y0: 0, x1: 4, y1: 3 });
    const four = connectedComponents(mask, 4, 3, { connectivity: 4 });
    expect(Array.from(four.labels)).toEqual([1, 1, 0, 0, 0, 0, 2, 0, 3, 0, 0, 4]);
  });

  it('gives mean and max scores, skipping NaN', () => {
    const mask = Uint8Array.from([1, 1, 0, 1]);
    const scores = Float32Array.from([0.5, Number.NaN, 9, 0.25]);
    const { components } = connectedComponents(mask, 2, 2, { scores });
    expect(components).toHaveLength(1);
    expect(components[0]!.meanScore).toBe(0.375);
    expect(components[0]!.maxScore).toBe(0.5);
    expect(components[0]!.centroidX).toBeCloseTo(2 / 3);
  });

  it('handles empty and degenerate sizes', () => {
    expect(connectedComponents(new Uint8Array(0), 0, 0).components).toEqual([]);
    expect(connectedComponents(Uint8Array.from([1]), 1, 1).components[0]!.box).toEqual({
      x0: 0,
      y0: 0,
      x1: 1,
      y1: 1,
    });
    expect(() => connectedComponents(new Uint8Array(3), 2, 2)).toThrow(RangeError);
  });

  it('equals a flood-fill twin (property, both connectivities)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        fc.constantFrom(4 as const, 8 as const),
        (width, height, density, seed, connectivity) => {
          const next = rng(seed);
          const mask = new Uint8Array(width * height);
          for (let i = 0; i < mask.length; i++) mask[i] = next() < density ? 1 : 0;
          const fast = connectedComponents(mask, width, height, { connectivity });
          const slow = floodFill(mask, width, height, connectivity === 8);
          expect(Array.from(fast.labels)).toEqual(Array.from(slow.labels));
          expect(fast.components.map((c) => [c.area, c.box.x0, c.box.y0, c.box.x1, c.box.y1])).toEqual(
            slow.comps.map((c) => [c.area, ...c.box]),
          );
          fast.components.forEach((c, i) => {
            expect(c.centroidX).toBeCloseTo(slow.comps[i]!.cx, 9);
            expect(c.centroidY).toBeCloseTo(slow.comps[i]!.cy, 9);
          });
        },
      ),
      { numRuns: 500, seed: 5 },
    );
  });
});
