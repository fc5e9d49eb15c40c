import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../../test-support/random.js';
import { ImageError } from '../../src/errors.js';
import { PRESETS } from '../../src/image/presets.js';
import { ImagePreparer } from '../../src/pipeline/image-preparer.js';

/** JPEG and PNG photos of several sizes and orientations, drawn from seeded noise. */
async function photos(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cam-prep-'));
  const files: string[] = [];
  const sizes: [number, number][] = [
    [300, 200],
    [157, 411],
    [224, 224],
    [640, 97],
  ];
  for (const [i, [w, h]] of sizes.entries()) {
    const next = rng(100 + i);
    const raw = Buffer.from(Array.from({ length: w * h * 3 }, () => Math.floor(next() * 256)));
    const file = join(dir, `p${i}.${i % 2 === 0 ? 'jpg' : 'png'}`);
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .withMetadata({ orientation: i === 1 ? 6 : 1 })
      .toFile(file);
    files.push(file);
  }
  writeFileSync(join(dir, 'broken.jpg'), 'not a picture');
  files.push(join(dir, 'broken.jpg'));
  return files;
}

describe('ImagePreparer', () => {
  it('gives bit-identical tensors and geometry on the decode workers and on the calling thread', async () => {
    const files = await photos();
    const options = { config: PRESETS.imagenet, inputWidth: 224, inputHeight: 224 };
    const here = await ImagePreparer.create({ ...options, workers: 0 });
    const pool = await ImagePreparer.create({ ...options, workers: 2 });
    try {
      expect(pool.workers).toBe(2);
      for (const file of files.slice(0, -1)) {
        const [a, b] = await Promise.all([here.prepare(file, file, true), pool.prepare(file, file, true)]);
        expect(b.geometry).toEqual(a.geometry);
        expect(Buffer.from(b.tensor.buffer).equals(Buffer.from(a.tensor.buffer))).toBe(true);
        expect(Buffer.from(b.image!.data).equals(Buffer.from(a.image!.data))).toBe(true);
        const lean = await pool.prepare(file, file, false);
        expect(lean.image).toBeUndefined();
      }
      // bytes given by the caller are not detached by the transfer to a worker
      const bytes = new Uint8Array(await sharp(files[0]!).toBuffer());
      await pool.prepare(bytes, 'bytes.jpg', false);
      expect(bytes.byteLength).toBeGreaterThan(0);
      const broken = files.at(-1)!;
      const error = await pool.prepare(broken, 'broken.jpg', false).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageError);
      expect(error).toMatchObject({ code: 'E_IMAGE_READ', file: 'broken.jpg' });
      // A worker reads the file itself: a missing file or a folder is the same typed error, naming it.
      for (const path of [join(broken, '..', 'gone.jpg'), join(broken, '..')]) {
        const unread = await pool.prepare(path, 'named.jpg', false).catch((e: unknown) => e);
        expect(unread).toBeInstanceOf(ImageError);
        expect(unread).toMatchObject({ code: 'E_IMAGE_READ', file: 'named.jpg' });
        expect((unread as ImageError).message).toMatch(
          /cannot read image file: (no such file \(ENOENT\)|is a folder, not a regular file)/,
        );
      }
    } finally {
      await Promise.all([here.close(), pool.close()]);
    }
  });
});
