import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverImages } from '../../src/pipeline/discover.js';

describe('discoverImages', () => {
  const root = mkdtempSync(join(tmpdir(), 'cam-discover-'));
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  for (const f of ['one.jpg', 'a/two.PNG', 'a/b/three.webp', 'a/notes.txt']) writeFileSync(join(root, f), '');

  it('finds images in folders recursively, by glob and by name, sorted and unique', async () => {
    const all = await discoverImages([root, join(root, 'one.jpg'), `${root}/a/**/*.webp`]);
    expect(all).toEqual([join(root, 'a/b/three.webp'), join(root, 'a/two.PNG'), join(root, 'one.jpg')]);
  });

  it('says which pattern matched nothing', async () => {
    await expect(discoverImages([join(root, 'missing.jpg')])).rejects.toThrow(/no such file or folder/);
    await expect(discoverImages([`${root}/**/*.gif`])).rejects.toThrow(/no images found/);
  });
});
