/**
 * The score-map upsampling's vertical pass in WebAssembly (wasm/resize.c, resample_vertical)
 * against the JS pass it stands in for: the same float32 values (NaN where JS has NaN), for
 * plain resizes and for the crop-aware map back to original pixels (rows and columns outside
 * the source), and the switch back to JS. (resample.test.ts holds both to cv2's outputs.)
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rng } from '../../../test-support/random.js';
import type { ImageGeometry } from '../src/geometry.js';
import {
  type ResampleMethod,
  resampleScoreMap,
  resampleScoreMapJs,
  scoreMapToOriginal,
  scoreMapToOriginalJs,
} from '../src/resample.js';
import { type ScoreMap, scoreMap } from '../src/scoremap.js';

const methods = fc.constantFrom('nearest', 'bilinear', 'bicubic') as fc.Arbitrary<ResampleMethod>;

/** A random map; `specials` puts a NaN, an infinity and a -0 among the values. */
function randomMap(w: number, h: number, seed: number, specials: boolean): ScoreMap {
  const next = rng(seed);
  const data = Float32Array.from({ length: w * h }, () => (next() - 0.3) * 10 ** Math.floor(next() * 8 - 4));
  if (specials && data.length >= 3) {
    data[Math.floor(next() * data.length)] = Number.NaN;
    data[Math.floor(next() * data.length)] = Number.POSITIVE_INFINITY;
    data[Math.floor(next() * data.length)] = -0;
  }
  return scoreMap(w, h, data);
}

/** The index of the first value that differs (NaN equals NaN, and 0 differs from -0), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('score-map upsampling in WebAssembly', () => {
  afterEach(() => {
    delete process.env.CAM_LOCALIZE_RESIZE;
  });

  it('gives exactly the JS pass values, for every method and size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        methods,
        fc.boolean(),
        fc.integer(),
        (w, h, ow, oh, method, specials, seed) => {
          const map = randomMap(w, h, seed, specials);
          const wasm = resampleScoreMap(map, ow, oh, method);
          const js = resampleScoreMapJs(map, ow, oh, method);
          expect(firstDifference(wasm.data, js.data)).toBe(-1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives exactly the JS pass values back in original pixels, zeroes outside the crop included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 14 }),
        fc.integer({ min: 20, max: 120 }),
        fc.integer({ min: 20, max: 120 }),
        methods,
        fc.integer(),
        (grid, ow, oh, method, seed) => {
          const next = rng(seed ^ 0x5eed);
          const input = 16 + Math.floor(next() * 32);
          // A resize larger than the input on either axis, cropped about its centre or at an offset.
          const rw = input + Math.floor(next() * 40);
          const rh = input + Math.floor(next() * 40);
          const g: ImageGeometry = {
            originalWidth: ow,
            originalHeight: oh,
            resizeWidth: rw,
            resizeHeight: rh,
            cropX: Math.floor(next() * (rw - input + 1)),
            cropY: Math.floor(next() * (rh - input + 1)),
            inputWidth: input,
            inputHeight: input,
          };
          const map = randomMap(grid, grid, seed, false);
          const wasm = scoreMapToOriginal(map, g, method);
          const js = scoreMapToOriginalJs(map, g, method);
          expect(firstDifference(wasm.data, js.data)).toBe(-1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('upsamples a 7x7 CAM to 224x224 as the JS pass does, and the run was in WebAssembly', async () => {
    const map = randomMap(7, 7, 11, false);
    const wasm = resampleScoreMap(map, 224, 224, 'bilinear');
    expect(firstDifference(wasm.data, resampleScoreMapJs(map, 224, 224, 'bilinear').data)).toBe(-1);
    const { resampleVerticalWasm } = await import('../src/resample-wasm.js');
    const taps = {
      k: 1,
      index: new Int32Array([0]),
      weight32: new Float32Array([1]),
      valid: new Uint8Array([1]),
    };
    const row = Float32Array.from([1, 2, 3, 4, 5]);
    expect(resampleVerticalWasm(row, 5, 1, taps, new Uint8Array(5).fill(1), true)).toEqual(row);
  });

  it('steps aside (undefined) when CAM_LOCALIZE_RESIZE=js, and the result is the same', async () => {
    process.env.CAM_LOCALIZE_RESIZE = 'js';
    vi.resetModules();
    const fresh = await import('../src/resample-wasm.js');
    const taps = {
      k: 1,
      index: new Int32Array([0]),
      weight32: new Float32Array([1]),
      valid: new Uint8Array([1]),
    };
    expect(fresh.resampleVerticalWasm(new Float32Array(4), 4, 1, taps, new Uint8Array(4).fill(1), true)).toBe(
      undefined,
    );
    const resample = await import('../src/resample.js');
    const map = randomMap(7, 7, 5, true);
    expect(
      firstDifference(
        resample.resampleScoreMap(map, 50, 40, 'bicubic').data,
        resampleScoreMapJs(map, 50, 40, 'bicubic').data,
      ),
    ).toBe(-1);
  });
});
