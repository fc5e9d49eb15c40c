/**
 * `eval --cams` on hostile map folders (issue 29): an empty map, one `<stem>.npy` that two images
 * would share, maps with NaN pixels, and degenerate ground-truth boxes. The calling thread and the
 * worker threads must give the same account.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset } from '../src/datasets/index.js';
import { clipBoxesToImage } from '../src/ground-truth.js';
import { encodeNpyFloat32 } from '../src/npy.js';
import { scoreCamDirectory } from '../src/score-cams.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-hostile-cams-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 224x224 map that is 1 inside [8, 200) and 0 elsewhere. */
function squareMap(): Float32Array {
  const data = new Float32Array(224 * 224);
  for (let y = 8; y < 200; y++) for (let x = 8; x < 200; x++) data[y * 224 + x] = 1;
  return data;
}

function hostileFolder(): { root: string; cams: string } {
  const root = join(tmp, 'ds');
  const boxes: Record<string, string[]> = {
    'images/a.JPEG': ['8,8,200,200'],
    'images/a.png': ['8,8,200,200'],
    'images/b.JPEG': ['8,8,200,200'],
    'images/c.JPEG': ['8,8,200,200'],
    'images/d.JPEG': ['8,8,200,200', '200,200,250,250'],
    'images/e.JPEG': ['8,8,200,200', '5,5,5,20', '300,300,400,400'],
    'images/f': ['8,8,200,200'],
    'images/f.png': ['8,8,200,200'],
  };
  const ids = Object.keys(boxes);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
  writeFileSync(join(root, 'image_sizes.txt'), ids.map((id) => `${id},224,224`).join('\n'));
  writeFileSync(
    join(root, 'localization.txt'),
    ids.flatMap((id) => boxes[id]!.map((b) => `${id},${b}`)).join('\n'),
  );
  const cams = join(tmp, 'cams');
  mkdirSync(join(cams, 'images'), { recursive: true });
  const map = (name: string, shape: number[], data: Float32Array) =>
    writeFileSync(join(cams, 'images', name), encodeNpyFloat32(shape, data));
  map('a.npy', [224, 224], squareMap()); // both a.JPEG and a.png would read it
  map('b.JPEG.npy', [0, 224], new Float32Array(0));
  const withNaN = squareMap();
  withNaN[224 * 100 + 100] = Number.NaN;
  map('c.JPEG.npy', [224, 224], withNaN);
  map('d.JPEG.npy', [224, 224], squareMap());
  map('e.JPEG.npy', [224, 224], squareMap());
  map('f.npy', [224, 224], squareMap()); // images/f's own map, and images/f.png's fallback
  return { root, cams };
}

describe('scoreCamDirectory on hostile maps', () => {
  it.each([0, 2])(
    'refuses empty and shared maps, counts NaN maps and degenerate boxes (%i threads)',
    async (workers) => {
      const { root, cams } = hostileFolder();
      const result = await scoreCamDirectory(await readDataset(root), cams, { workers });
      const byId = Object.fromEntries(result.problems.map((p) => [p.id, p]));
      expect(Object.keys(byId).sort()).toEqual([
        'images/a.JPEG',
        'images/a.png',
        'images/b.JPEG',
        'images/f.png',
      ]);
      expect(byId['images/a.JPEG']).toMatchObject({
        kind: 'ambiguous',
        file: join(cams, 'images/a.npy'),
        message: expect.stringMatching(/would also be the map of "images\/a.png"/),
      });
      expect(byId['images/a.png']).toMatchObject({
        kind: 'ambiguous',
        message: expect.stringMatching(/"images\/a.JPEG"/),
      });
      expect(byId['images/f.png']).toMatchObject({
        kind: 'ambiguous',
        message: expect.stringMatching(/"images\/f"/),
      });
      expect(byId['images/b.JPEG']).toMatchObject({
        kind: 'corrupt',
        message: expect.stringMatching(/score map is empty: shape \(0, 224\)/),
      });
      expect(result.problemCounts).toMatchObject({ ambiguous: 3, corrupt: 1, missing: 0 });
      expect(result.scored).toBe(4); // c (zeroed), d, e, f
      expect(result.nonFiniteMaps).toBe(1);
      expect([result.clippedBoxes, result.zeroAreaBoxes, result.outsideBoxes]).toEqual([1, 1, 1]);
    },
  );
});

describe('clipBoxesToImage', () => {
  it('counts partly clipped, zero-area and wholly outside boxes apart', () => {
    const boxes = [
      { x0: 1, y0: 1, x1: 9, y1: 9 }, // inside
      { x0: 5, y0: 5, x1: 15, y1: 9 }, // partly outside: clipped
      { x0: 3, y0: 3, x1: 3, y1: 8 }, // zero area
      { x0: 12, y0: 0, x1: 20, y1: 5 }, // wholly outside (right)
      { x0: -8, y0: -8, x1: 0, y1: 4 }, // wholly outside (touches the left edge only)
    ];
    const out = clipBoxesToImage(boxes, 10, 10);
    expect([out.clipped, out.zeroArea, out.outside]).toEqual([1, 1, 2]);
    expect(out.boxes[3]).toEqual({ x0: 10, y0: 0, x1: 10, y1: 5 });
    expect(out.boxes[0]).toBe(boxes[0]);
  });
});
