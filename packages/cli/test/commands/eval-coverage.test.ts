import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeScoreMapNpy } from '@cam-localize/eval';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli-process.js';

/** A wsolevaluation box dataset of `count` 32x32 images (no pixels needed to score maps) and its maps. */
function boxDataset(count: number): { root: string; ids: string[]; cams: string } {
  const root = mkdtempSync(join(tmpdir(), 'cam-eval-cov-'));
  const ids = Array.from({ length: count }, (_, i) => `val/img${i}.JPEG`);
  writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
  writeFileSync(join(root, 'class_labels.txt'), `${ids.map((id) => `${id},0`).join('\n')}\n`);
  writeFileSync(join(root, 'image_sizes.txt'), `${ids.map((id) => `${id},32,32`).join('\n')}\n`);
  writeFileSync(join(root, 'localization.txt'), `${ids.map((id) => `${id},8,8,24,24`).join('\n')}\n`);
  const cams = join(root, 'cams');
  mkdirSync(join(cams, 'val'), { recursive: true });
  for (const id of ids) {
    const data = new Float32Array(32 * 32);
    for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) data[y * 32 + x] = 1;
    writeScoreMapNpy(join(cams, `${id}.npy`), { width: 32, height: 32, data });
  }
  return { root, ids, cams };
}

// No image files: the stored sizes are taken as they are (--trust-sizes).
const evalArgs = (root: string, cams: string) => [
  'eval',
  root,
  '--cams',
  cams,
  '--size',
  '32',
  '--json',
  '--trust-sizes',
];

describe('cam-localize eval with missing or corrupt maps', () => {
  it('scores a complete folder (exit 0)', async () => {
    const { root, cams } = boxDataset(3);
    const result = await runCli(evalArgs(root, cams));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).images).toEqual({ total: 3, scored: 3, skipped: 0 });
  });

  it('exits 1 with the count and the first ids when maps are missing or corrupt', async () => {
    const { root, ids, cams } = boxDataset(9);
    for (const id of ids.slice(0, 7)) rmMap(cams, id);
    writeFileSync(join(cams, `${ids[7]}.npy`), 'not a numpy file');
    const result = await runCli(evalArgs(root, cams));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(''); // no metrics over a subset
    expect(result.stderr).toContain('8 of 9 score maps are missing or unusable (7 missing, 1 corrupt)');
    expect(result.stderr).toContain(`${ids.slice(0, 5).join(', ')}, ... (3 more)`);
    expect(result.stderr).toContain('--allow-missing');
  });

  it('--allow-missing scores the subset on purpose and says how many were left out', async () => {
    const { root, ids, cams } = boxDataset(4);
    rmMap(cams, ids[1]!);
    const result = await runCli([...evalArgs(root, cams), '--allow-missing']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/--allow-missing: 1 of 4 score maps .*; these 1 images are left out/);
    expect(JSON.parse(result.stdout).images).toEqual({
      total: 4,
      scored: 3,
      skipped: 1,
      leftOutMissingMaps: 1,
    });
  });

  it('a --cams folder that does not exist is a usage error naming it', async () => {
    const { root } = boxDataset(2);
    const result = await runCli(evalArgs(root, join(root, 'no-such-cams')));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--cams: the folder ${join(root, 'no-such-cams')} does not exist`);
  });
});

function rmMap(cams: string, id: string): void {
  rmSync(join(cams, `${id}.npy`));
}
