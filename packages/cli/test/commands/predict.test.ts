import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScoreMapNpy } from '@cam-localize/eval';
import { expect, it } from 'vitest';
import { pearson, readNpyFloat32 } from '../../../../test-support/npy.js';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { readJsonLines } from '../fixtures.js';

describeWithTestBed('cam-localize predict', () => {
  const golden = shared('golden', 'resnet18-untrained');
  const index = JSON.parse(readFileSync(join(golden, 'index.json'), 'utf8')) as {
    image: string;
    class: number;
  }[];

  it('writes feature-size CAMs as .npy that match the seed recipe (r >= 0.99)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cam-predict-'));
    const images = index.map((e) => shared('datasets', 'ilsvrc2012-val-1000', 'images', e.image));
    const result = await runCli([
      'predict',
      ...images,
      '--model',
      shared('models', 'untrained', 'resnet18.onnx'),
      '--preset',
      'imagenet',
      '--save-cams',
      join(out, 'cams'),
      '--cam-size',
      'feature',
      '--out',
      join(out, 'run'),
      '--overlays',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    for (const { image, class: expected } of index) {
      const map = readScoreMapNpy(join(out, 'cams', `${image}.npy`));
      expect([map.width, map.height]).toEqual([7, 7]);
      const cam = readNpyFloat32(join(golden, image.replace('.JPEG', '.cam.npy'))).data;
      expect(pearson(map.data, cam)).toBeGreaterThanOrEqual(0.99);
      const line = lines.find((l) => l.id === image);
      expect(line.top[0].class).toBe(expected);
      expect(line.targets[0].boxes.length).toBeGreaterThan(0);
      const png = readFileSync(join(out, 'run', 'overlays', `${image}.jpg`));
      expect(png.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    }
    expect(readJsonLines(join(out, 'run', 'results.jsonl'))).toHaveLength(6);
  });

  it('names a corrupt file on stderr and finishes the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-predict-bad-'));
    const good = shared('datasets', 'ilsvrc2012-val-1000', 'images', index[0]!.image);
    const bad = join(dir, 'broken.jpg');
    (await import('node:fs')).writeFileSync(bad, 'not a jpeg');
    const result = await runCli([
      'predict',
      good,
      bad,
      '--model',
      shared('models', 'mobilenetv1-0.25-128-imagenet.onnx'),
      '--preset',
      'mobilenet',
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:`);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.status).sort()).toEqual(['error', 'ok']);
  });
});
