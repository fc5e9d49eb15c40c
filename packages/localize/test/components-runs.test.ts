/**
 * The run-based components (components.ts) against the previous pixel-based implementation kept as a
 * twin (test/helpers/components-twin.ts), on maps large enough to grow the shared run buffers, with
 * scores; and boxesFromMap (which thresholds without a mask) against boxesFromMask(foregroundMask).
 */
import type { ScoreMap } from '@cam-localize/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOX_MODES, boxesFromMap, boxesFromMask } from '../src/boxes.js';
import { connectedComponents } from '../src/components.js';
import { foregroundMask, thresholdValue } from '../src/threshold.js';
import { connectedComponentsTwin } from './helpers/components-twin.js';
import { arbMap, makeMap, rng } from './helpers/maps.js';

describe('connectedComponents (run-based)', () => {
  it('equals the pixel-based twin on large random masks, labels, stats and scores', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed);
      const width = 50 + Math.floor(r() * 250);
      const height = 50 + Math.floor(r() * 200);
      const density = r();
      const mask = new Uint8Array(width * height);
      const scores = new Float32Array(width * height);
      for (let i = 0; i < mask.length; i++) {
        mask[i] = r() < density ? 1 : 0;
        scores[i] = r() < 0.05 ? Number.NaN : r();
      }
      for (const connectivity of [4, 8] as const) {
        const fast = connectedComponents(mask, width, height, { connectivity, scores });
        const slow = connectedComponentsTwin(mask, width, height, { connectivity, scores });
        expect(fast.labels).toEqual(slow.labels);
        expect(fast.components).toEqual(slow.components);
      }
    }
  });

  it('boxesFromMap equals boxesFromMask of the foreground mask (property: maps, modes, thresholds)', () => {
    fc.assert(
      fc.property(
        arbMap(24),
        fc.constantFrom(...BOX_MODES),
        fc.constantFrom(4 as const, 8 as const),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: -0.2, max: 1.2, noNaN: true }),
        (map, mode, connectivity, minArea, value) => {
          const threshold = { kind: 'fraction', value } as const;
          const mask = foregroundMask(map, thresholdValue(map, threshold));
          expect(boxesFromMap(map, { threshold, mode, connectivity, minArea })).toEqual(
            boxesFromMask(mask, map.width, map.height, { mode, connectivity, minArea }),
          );
        },
      ),
      { numRuns: 800, seed: 11 },
    );
  });

  it('a 224x224 smooth map at 20% of the maximum: same components as the twin', () => {
    const map: ScoreMap = makeMap('blobs', 224, 224, 3);
    const mask = foregroundMask(map, thresholdValue(map, { kind: 'fraction', value: 0.2 }));
    expect(connectedComponents(mask, 224, 224, { scores: map.data })).toEqual(
      connectedComponentsTwin(mask, 224, 224, { scores: map.data }),
    );
  });
});
