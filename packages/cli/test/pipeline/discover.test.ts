import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
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

describe('discoverImages with linked folders', () => {
  const tree = () => {
    const root = mkdtempSync(join(tmpdir(), 'cam-links-'));
    mkdirSync(join(root, 'sub'));
    for (const f of ['a.jpg', 'b.png', 'sub/c.jpg']) writeFileSync(join(root, f), '');
    return root;
  };

  it('a link back up (sub/up -> ..) gives every real image exactly once', async () => {
    const root = tree();
    symlinkSync('..', join(root, 'sub', 'up'));
    expect(await discoverImages([root])).toEqual([
      join(root, 'a.jpg'),
      join(root, 'b.png'),
      join(root, 'sub/c.jpg'),
    ]);
  });

  it('two such links do not hang; a linked folder elsewhere is followed', async () => {
    const root = tree();
    symlinkSync('..', join(root, 'sub', 'up'));
    symlinkSync('../sub', join(root, 'sub', 'again'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'cam-links-other-'));
    writeFileSync(join(elsewhere, 'd.jpg'), '');
    symlinkSync(elsewhere, join(root, 'other'));
    const found = await Promise.race([
      discoverImages([root, `${root}/**/*.jpg`]),
      new Promise<never>((_, fail) => setTimeout(() => fail(new Error('discovery hangs')), 10_000)),
    ]);
    expect(found).toEqual([
      join(root, 'a.jpg'),
      join(root, 'b.png'),
      join(root, 'other/d.jpg'),
      join(root, 'sub/c.jpg'),
    ]);
  });

  it('lists a file reached by two names once, and says which name it left out', async () => {
    const root = tree();
    symlinkSync(join(root, 'a.jpg'), join(root, 'z-link.jpg'));
    const left: [string, string][] = [];
    const found = await discoverImages([root], process.cwd(), (path, listed) => left.push([path, listed]));
    expect(found).toEqual([join(root, 'a.jpg'), join(root, 'b.png'), join(root, 'sub/c.jpg')]);
    expect(left).toEqual([[join(root, 'z-link.jpg'), join(root, 'a.jpg')]]);
    // The same path named twice (a folder and a glob over it) is no other name: nothing to say.
    left.length = 0;
    await discoverImages([root, `${root}/*.png`], process.cwd(), (path, listed) => left.push([path, listed]));
    expect(left).toEqual([[join(root, 'z-link.jpg'), join(root, 'a.jpg')]]);
  });
});
