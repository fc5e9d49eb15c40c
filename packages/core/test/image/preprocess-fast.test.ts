/**
 * The crop-aware, int32 preprocess against its slow twin (the whole-image passes it replaced):
 * bit-identical tensors over random image sizes, resizes, crops larger and smaller than the image,
 * filters, antialiasing and channel orders.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noiseImage, rng } from '../../../../test-support/random.js';
import { preprocess, preprocessGeometry, valueTables } from '../../src/image/preprocess.js';
import { PRESETS, type PreprocessConfig } from '../../src/image/presets.js';
import { resizeRegion, resizeRgb } from '../../src/image/resize.js';
import { preprocessTwin, resizeRgbTwin } from './preprocess-twin.js';

const same = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('fast preprocessing equals its slow twin bit for bit', () => {
  it('resizeRgb and every resizeRegion window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 120 }),
        fc.constantFrom('bilinear', 'bicubic', 'nearest') as fc.Arbitrary<'bilinear' | 'bicubic' | 'nearest'>,
        fc.boolean(),
        fc.integer(),
        (w, h, ow, oh, interpolation, antialias, seed) => {
          const img = noiseImage(w, h, seed);
          const full = resizeRgbTwin(img, ow, oh, interpolation, antialias);
          expect(same(resizeRgb(img, ow, oh, interpolation, antialias).data, full.data)).toBe(true);
          const next = rng(seed ^ 0x5bd1);
          const x = Math.floor(next() * ow);
          const y = Math.floor(next() * oh);
          const region = {
            x,
            y,
            width: 1 + Math.floor(next() * (ow - x)),
            height: 1 + Math.floor(next() * (oh - y)),
          };
          const window = resizeRegion(img, ow, oh, region, interpolation, antialias);
          for (let r = 0; r < region.height; r++) {
            const at = ((y + r) * ow + x) * 3;
            const row = full.data.subarray(at, at + region.width * 3);
            expect(same(window.data.subarray(r * region.width * 3, (r + 1) * region.width * 3), row)).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('preprocess: resize, crop (inside or padded), channel order and normalisation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 4, max: 80 }),
        fc.integer({ min: 2, max: 110 }),
        fc.constantFrom('imagenet', 'mobilenet', 'caffe', 'inception') as fc.Arbitrary<keyof typeof PRESETS>,
        fc.constantFrom('bilinear', 'bicubic', 'nearest') as fc.Arbitrary<'bilinear' | 'bicubic' | 'nearest'>,
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (w, h, size, crop, preset, interpolation, antialias, shorter, seed) => {
          const config: PreprocessConfig = {
            ...PRESETS[preset],
            resize: { mode: shorter ? 'shorter' : 'exact', size },
            crop: [crop, crop],
            interpolation,
            antialias,
          };
          const img = noiseImage(w, h, seed);
          const geometry = preprocessGeometry(w, h, config);
          const fast = preprocess(img, config);
          expect(fast.geometry).toEqual(geometry);
          expect(same(fast.tensor, preprocessTwin(img, config, geometry, valueTables(config)))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
