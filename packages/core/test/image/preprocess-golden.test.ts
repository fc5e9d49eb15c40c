import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { preprocess } from '../../src/image/preprocess.js';
import { PRESETS } from '../../src/image/presets.js';
import { loadImage } from '../../src/image/sharp-codec.js';

/** A little-endian float32 .npy file: magic, version, header length, header dict, data. */
function readNpyF32(path: string): { shape: number[]; data: Float32Array } {
  const buf = readFileSync(path);
  expect(buf.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  expect(header).toMatch(/'descr':\s*'<f4'/);
  expect(header).toMatch(/'fortran_order':\s*False/);
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const offset = start + headerLen;
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(offset + 4 * i);
  return { shape, data };
}

describeWithTestBed('imagenet preprocessing matches the seed recipe (golden .input.npy)', () => {
  const golden = shared('golden', 'resnet18-untrained');
  const index = (() => {
    try {
      return JSON.parse(readFileSync(`${golden}/index.json`, 'utf8')) as { image: string }[];
    } catch {
      return [];
    }
  })();
  for (const { image } of index) {
    it(image, async () => {
      const stem = image.replace(/\.[^.]+$/, '');
      const want = readNpyF32(`${golden}/${stem}.input.npy`);
      expect(want.shape).toEqual([1, 3, 224, 224]);
      const img = await loadImage(shared('datasets', 'ilsvrc2012-val-1000', 'images', image));
      const { tensor, geometry } = preprocess(img, PRESETS.imagenet, { inputWidth: 224, inputHeight: 224 });
      expect(geometry.inputWidth).toBe(224);
      let sum = 0;
      let max = 0;
      for (let i = 0; i < tensor.length; i++) {
        const d = Math.abs(tensor[i]! - want.data[i]!);
        sum += d;
        if (d > max) max = d;
      }
      const mean = sum / tensor.length;
      console.log(
        `[parity] ${stem}: ${img.width}x${img.height} mean |diff| ${mean.toExponential(3)} max ${max.toExponential(3)}`,
      );
      expect(mean).toBeLessThan(1e-3);
      expect(max).toBeLessThan(0.04); // about two 8-bit levels after Normalize
    });
  }
});
