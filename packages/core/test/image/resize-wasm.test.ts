/**
 * The WebAssembly resize (wasm/resize.c) against the JS passes it stands in for: the same tensor
 * bit for bit, from RGB or from the decoder's RGBA, cells it must not touch left alone, and the
 * switch back to JS.
 * (preprocess-fast.test.ts also holds `preprocess`, which runs it, to the slow twin.)
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { noiseImage, rng } from '../../../../test-support/random.js';
import { valueTables } from '../../src/image/preprocess.js';
import { PRESETS } from '../../src/image/presets.js';
import { resizeRegionIntoTensor, type TensorTarget } from '../../src/image/resize-to-tensor.js';
import { resizeRegionIntoTensorWasm } from '../../src/image/resize-wasm.js';
import type { RgbaPixels } from '../../src/image/types.js';

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The image as RGBA pixels with random alpha bytes. */
function withAlpha(img: { width: number; height: number; data: Uint8Array }, seed: number): RgbaPixels {
  const next = rng(seed ^ 0xa1fa);
  const rgba = new Uint8Array(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    rgba.set(img.data.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = Math.floor(next() * 256);
  }
  return { width: img.width, height: img.height, rgba };
}

describe('resize into the tensor in WebAssembly', () => {
  afterEach(() => {
    delete process.env.CAM_LOCALIZE_RESIZE;
  });

  it('writes exactly what the JS passes write, and nothing else', () => {
    const tables = valueTables(PRESETS.imagenet);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        fc.constantFrom('bilinear', 'bicubic') as fc.Arbitrary<'bilinear' | 'bicubic'>,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (w, h, ow, oh, interpolation, antialias, bgr, rgba, seed) => {
          const img = noiseImage(w, h, seed);
          const next = rng(seed ^ 0x2c1b);
          // Half the cases keep one axis at its size (no pass on that axis).
          const width = next() < 0.25 ? w : ow;
          const height = next() < 0.25 ? h : oh;
          const x = Math.floor(next() * width);
          const y = Math.floor(next() * height);
          const region = {
            x,
            y,
            width: 1 + Math.floor(next() * (width - x)),
            height: 1 + Math.floor(next() * (height - y)),
          };
          // The window lands at an offset inside a larger tensor; the other cells stay NaN.
          const tw = region.width + Math.floor(next() * 5);
          const th = region.height + Math.floor(next() * 5);
          const at = { x: tw - region.width, y: th - region.height };
          const target = (tensor: Float32Array): TensorTarget => ({
            tensor,
            width: tw,
            plane: tw * th,
            x: Math.floor(next() * (at.x + 1)),
            y: Math.floor(next() * (at.y + 1)),
            tables: tables as [Float32Array, Float32Array, Float32Array],
            order: bgr ? [2, 1, 0] : [0, 1, 2],
          });
          const js = new Float32Array(3 * tw * th).fill(Number.NaN);
          const wasm = new Float32Array(3 * tw * th).fill(Number.NaN);
          const jsTarget = target(js);
          resizeRegionIntoTensor(img, width, height, region, interpolation, antialias, jsTarget);
          // Half the cases give the WebAssembly pass the same pixels as RGBA, alpha random (ignored).
          const source = rgba ? withAlpha(img, seed) : img;
          const ran = resizeRegionIntoTensorWasm(source, width, height, region, interpolation, antialias, {
            ...jsTarget,
            tensor: wasm,
          });
          expect(ran).toBe(true);
          expect(bytesOf(wasm).equals(bytesOf(js))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles a photo-sized image and then a small one on the same instance', () => {
    const tables = valueTables(PRESETS.imagenet) as [Float32Array, Float32Array, Float32Array];
    for (const [w, h, size] of [
      [640, 480, 256],
      [31, 17, 256],
    ] as const) {
      const img = noiseImage(w, h, w * h);
      const scale = size / Math.min(w, h);
      const rw = Math.round(w * scale);
      const rh = Math.round(h * scale);
      const region = { x: (rw - 224) >> 1, y: (rh - 224) >> 1, width: 224, height: 224 };
      const make = (tensor: Float32Array): TensorTarget => ({
        tensor,
        width: 224,
        plane: 224 * 224,
        x: 0,
        y: 0,
        tables,
        order: [0, 1, 2],
      });
      const js = new Float32Array(3 * 224 * 224);
      const wasm = new Float32Array(3 * 224 * 224);
      resizeRegionIntoTensor(img, rw, rh, region, 'bicubic', true, make(js));
      expect(resizeRegionIntoTensorWasm(img, rw, rh, region, 'bicubic', true, make(wasm))).toBe(true);
      expect(bytesOf(wasm).equals(bytesOf(js))).toBe(true);
    }
  });

  it('steps aside (returns false, writes nothing) when CAM_LOCALIZE_RESIZE=js', async () => {
    process.env.CAM_LOCALIZE_RESIZE = 'js';
    vi.resetModules();
    const fresh = await import('../../src/image/resize-wasm.js');
    const tensor = new Float32Array(3 * 4 * 4).fill(Number.NaN);
    const ran = fresh.resizeRegionIntoTensorWasm(
      noiseImage(8, 8, 1),
      4,
      4,
      { x: 0, y: 0, width: 4, height: 4 },
      'bilinear',
      true,
      {
        tensor,
        width: 4,
        plane: 16,
        x: 0,
        y: 0,
        tables: valueTables(PRESETS.imagenet) as [Float32Array, Float32Array, Float32Array],
        order: [0, 1, 2],
      },
    );
    expect(ran).toBe(false);
    expect(tensor.every(Number.isNaN)).toBe(true);
  });
});
