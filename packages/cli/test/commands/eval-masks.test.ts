import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGrayPng } from '@cam-localize/core';
import { writeScoreMapNpy } from '@cam-localize/eval';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli-process.js';

/**
 * `cam-localize eval` on a wsolevaluation mask dataset (metadata lines `<id>,<mask>,<ignore>`):
 * a map equal to the mask is a perfect pixel classifier (PxAP 100); the inverted map is not.
 */
async function maskDataset(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'cam-masks-'));
  mkdirSync(join(root, 'masks'));
  const ids = ['a.png', 'b.png'];
  const size = 16;
  for (const [k, id] of ids.entries()) {
    const data = new Uint8Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) data[y * size + x] = x >= 4 + k && y < 10 ? 255 : 0;
    writeFileSync(join(root, 'masks', id), await encodeGrayPng({ width: size, height: size, data }));
  }
  writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
  writeFileSync(join(root, 'class_labels.txt'), `${ids.map((id) => `${id},0`).join('\n')}\n`);
  writeFileSync(join(root, 'localization.txt'), `${ids.map((id) => `${id},masks/${id},`).join('\n')}\n`);
  return root;
}

function writeMaps(dir: string, invert: boolean): void {
  for (const [k, id] of ['a.png', 'b.png'].entries()) {
    const data = new Float32Array(16 * 16);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const inside = x >= 4 + k && y < 10;
        data[y * 16 + x] = inside !== invert ? 0.9 : 0.1 + 0.001 * x;
      }
    }
    writeScoreMapNpy(join(dir, `${id}.npy`), { width: 16, height: 16, data });
  }
}

describe('cam-localize eval on a mask dataset', () => {
  it('prints PxAP: 100 for maps that match the masks, far less for inverted maps', async () => {
    const root = await maskDataset();
    const perfect = join(root, 'perfect');
    const inverted = join(root, 'inverted');
    mkdirSync(perfect);
    mkdirSync(inverted);
    writeMaps(perfect, false);
    writeMaps(inverted, true);

    const good = await runCli(['eval', root, '--cams', perfect, '--size', '16', '--json']);
    expect(good.code, good.stderr).toBe(0);
    const goodMetrics = JSON.parse(good.stdout);
    expect(goodMetrics.pxap.images).toBe(2);
    expect(goodMetrics.pxap.pxap).toBeCloseTo(100, 6);
    expect(goodMetrics.maxBoxAccByIoU).toBeNull();
    expect(good.stderr).toMatch(/PxAP 100\.00% over 2 masks/);

    const bad = await runCli(['eval', root, '--cams', inverted, '--size', '16', '--json']);
    expect(bad.code, bad.stderr).toBe(0);
    expect(JSON.parse(bad.stdout).pxap.pxap).toBeLessThan(60);
  });
});
