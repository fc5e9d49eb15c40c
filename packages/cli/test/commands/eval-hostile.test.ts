/**
 * `eval --cams` on hostile inputs (issue 29): stored image sizes that are not the images' (checked
 * against the headers unless --trust-sizes), maps that two images would share, maps with NaN
 * pixels, and degenerate ground-truth boxes, each refused or counted and reported.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGrayPng } from '@cam-localize/core';
import { writeScoreMapNpy } from '@cam-localize/eval';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli-process.js';

const SIZE = 32;

/** A 32x32 map that is 1 inside [8, 24) and 0 elsewhere, with an optional NaN pixel. */
function squareMap(nan = false) {
  const data = new Float32Array(SIZE * SIZE);
  for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) data[y * SIZE + x] = 1;
  if (nan) data[0] = Number.NaN;
  return { width: SIZE, height: SIZE, data };
}

/** A wsolevaluation box dataset of 32x32 PNGs, with `sizes` and `boxes` per id, and one map per id. */
async function dataset(entries: Record<string, { size: string; boxes: string[]; map?: 'nan' | 'none' }>) {
  const root = mkdtempSync(join(tmpdir(), 'cam-eval-hostile-'));
  const ids = Object.keys(entries);
  mkdirSync(join(root, 'img'));
  const cams = join(root, 'cams');
  mkdirSync(join(cams, 'img'), { recursive: true });
  for (const id of ids) {
    const grey = { width: SIZE, height: SIZE, data: new Uint8Array(SIZE * SIZE).fill(128) };
    writeFileSync(join(root, id), await encodeGrayPng(grey));
    const map = entries[id]!.map;
    if (map !== 'none') writeScoreMapNpy(join(cams, `${id}.npy`), squareMap(map === 'nan'));
  }
  writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
  writeFileSync(
    join(root, 'image_sizes.txt'),
    `${ids.map((id) => `${id},${entries[id]!.size}`).join('\n')}\n`,
  );
  const boxes = ids.flatMap((id) => entries[id]!.boxes.map((b) => `${id},${b}`));
  writeFileSync(join(root, 'localization.txt'), `${boxes.join('\n')}\n`);
  return { root, cams };
}

const evalArgs = (root: string, cams: string, ...extra: string[]) => [
  'eval',
  root,
  '--cams',
  cams,
  '--size',
  String(SIZE),
  '--json',
  ...extra,
];

describe('cam-localize eval on hostile inputs', () => {
  it("refuses stored sizes that are not the images' (file:line) unless --trust-sizes", async () => {
    const { root, cams } = await dataset({
      'img/a.png': { size: '32,32', boxes: ['8,8,24,24'] },
      'img/b.png': { size: '320,320', boxes: ['80,80,240,240'] },
      'img/c.png': { size: '3,3', boxes: ['1,1,2,2'] },
    });
    const refused = await runCli(evalArgs(root, cams));
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      `${join(root, 'image_sizes.txt')}:2: the stored size of "img/b.png", 320x320, is not the image's 32x32`,
    );
    expect(refused.stderr).toContain(`${join(root, 'image_sizes.txt')}:3:`);
    expect(refused.stderr).toContain('--trust-sizes');
    const trusted = await runCli(evalArgs(root, cams, '--trust-sizes'));
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(JSON.parse(trusted.stdout).images).toMatchObject({ total: 3, scored: 3 });
  });

  it('metadata without its images needs --trust-sizes', async () => {
    const { root, cams } = await dataset({ 'img/a.png': { size: '32,32', boxes: ['8,8,24,24'] } });
    const noImages = mkdtempSync(join(tmpdir(), 'cam-eval-noimg-'));
    for (const name of ['image_ids.txt', 'image_sizes.txt', 'localization.txt'])
      writeFileSync(
        join(noImages, name),
        await import('node:fs').then((fs) => fs.readFileSync(join(root, name))),
      );
    const refused = await runCli(evalArgs(noImages, cams));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/none of the 1 images is readable .*pass --trust-sizes/);
    const trusted = await runCli(evalArgs(noImages, cams, '--trust-sizes'));
    expect(trusted.code, trusted.stderr).toBe(0);
  });

  it('counts and reports maps with NaN pixels and degenerate boxes; refuses a map two images share', async () => {
    const { root, cams } = await dataset({
      'img/a.png': { size: '32,32', boxes: ['8,8,24,24'], map: 'nan' },
      'img/b.png': { size: '32,32', boxes: ['8,8,24,24', '5,5,5,20', '40,40,50,50'] },
      'img/c.png': { size: '32,32', boxes: ['8,8,24,24'] },
    });
    const counted = await runCli(evalArgs(root, cams));
    expect(counted.code, counted.stderr).toBe(0);
    const metrics = JSON.parse(counted.stdout);
    expect(metrics.warnings).toMatchObject({
      nonFiniteMaps: 1,
      zeroAreaBoxes: 1,
      outsideBoxes: 1,
      clippedBoxes: 0,
    });
    expect(counted.stderr).toContain('1 score maps hold NaN or infinite values and were scored as all zeros');
    expect(counted.stderr).toContain(
      'degenerate ground-truth boxes: 1 of zero area, 1 wholly outside their image',
    );

    const shared = await dataset({
      'img/a.png': { size: '32,32', boxes: ['8,8,24,24'], map: 'none' },
      'img/a.jpg': { size: '32,32', boxes: ['8,8,24,24'], map: 'none' },
      'img/c.png': { size: '32,32', boxes: ['8,8,24,24'] },
    });
    writeScoreMapNpy(join(shared.cams, 'img/a.npy'), squareMap());
    const refused = await runCli(evalArgs(shared.root, shared.cams));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '2 of 3 score maps are missing or unusable (2 ambiguous): img/a.png, img/a.jpg',
    );
    expect(refused.stderr).toContain(
      `${join(shared.cams, 'img/a.npy')} would also be the map of "img/a.jpg"`,
    );
  });
});
