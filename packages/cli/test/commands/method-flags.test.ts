import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAM_COMPATS, CAM_METHOD_NAMES, resampleScoreMap } from '@cam-localize/core';
import { compatAfterResize } from '@cam-localize/core/workers';
import { readScoreMapNpy } from '@cam-localize/eval';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL } from '../fixtures.js';

describe('--method and --compat', () => {
  it('offers every method of the table and every compat, in run and predict help', async () => {
    for (const command of ['run', 'predict']) {
      const help = (await runCli([command, '--help'])).stdout.replace(/\s+/g, ' ');
      for (const name of [...CAM_METHOD_NAMES, ...CAM_COMPATS]) expect(help, command).toContain(`"${name}"`);
      expect(help).toContain('forward passes per image: scorecam, sscam, iscam');
    }
  });

  it('exits 2 for a method the library of --compat does not have, before loading the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-compat-'));
    writeFileSync(join(dir, 'x.jpg'), '');
    const result = await runCli(
      [
        'predict',
        join(dir, 'x.jpg'),
        '--model',
        '/nonexistent/m.onnx',
        '--method',
        'sscam',
        '--compat',
        'pytorch-grad-cam',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--compat pytorch-grad-cam: sscam does not reproduce');
    const unknown = await runCli(['predict', 'x.jpg', '--model', 'm.onnx', '--method', 'gradcam3']);
    expect(unknown.code).toBe(2);
  });
});

describeWithTestBed('--method on a real model', () => {
  const images = ['ILSVRC2012_val_00000347.JPEG', 'ILSVRC2012_val_00000355.JPEG'].map((image) =>
    shared('datasets', 'ilsvrc2012-val-1000', 'images', image),
  );

  async function maps(args: readonly string[]): Promise<Float32Array[]> {
    const out = mkdtempSync(join(tmpdir(), 'cam-method-'));
    const result = await runCli([
      'predict',
      ...images,
      '--model',
      FAST_MODEL,
      '--preset',
      'mobilenet',
      '--device',
      'cpu',
      '--threads',
      '1',
      '--save-cams',
      out,
      '--cam-size',
      'feature',
      '--workers',
      '1',
      ...args,
    ]);
    expect(result.code, result.stderr).toBe(0);
    return images.map((image) => readScoreMapNpy(join(out, `${image.split('/').pop()}.npy`)).data);
  }

  it('hirescam gives CAM’s maps; cam --compat torch-cam gives the min-max maps without ReLU', async () => {
    // Class 0 (tench) is far from these photos: its CAM has negative evidence for the ReLU to cut.
    const cam = await maps(['--target', '0']);
    const hires = await maps(['--target', '0', '--method', 'hirescam']);
    const torchCam = await maps(['--target', '0', '--compat', 'torch-cam']);
    const minmax = await maps(['--target', '0', '--normalize', 'minmax']);
    for (const [i, map] of cam.entries()) {
      for (let p = 0; p < map.length; p++) expect(Math.abs(hires[i]![p]! - map[p]!)).toBeLessThan(1e-5);
      expect(Array.from(torchCam[i]!)).toEqual(Array.from(minmax[i]!));
      expect(Array.from(torchCam[i]!)).not.toEqual(Array.from(map));
    }
  });

  it('--compat pytorch-grad-cam min-maxes resized maps again; torch-cam runs gradcampp and smoothgradcampp', async () => {
    // Issue 31: ablationcam is accepted under pytorch-grad-cam (ReLU features: its numbers are the
    // paper's), and its input-size maps are the grid map resized, then scale_cam_image'd again.
    const grid = await maps(['--method', 'ablationcam']);
    const input = await maps([
      '--method',
      'ablationcam',
      '--compat',
      'pytorch-grad-cam',
      '--cam-size',
      'input',
    ]);
    for (const [i, map] of grid.entries()) {
      const side = Math.sqrt(map.length);
      const resized = resampleScoreMap({ width: side, height: side, data: map }, 128, 128);
      const expected = compatAfterResize(resized, 'pytorch-grad-cam').data;
      for (let p = 0; p < expected.length; p++)
        expect(Math.abs(input[i]![p]! - expected[p]!)).toBeLessThan(1e-6);
      expect(Math.min(...input[i]!)).toBe(0);
      expect(Math.max(...input[i]!)).toBeCloseTo(1, 6);
    }
    const paper = await maps(['--method', 'smoothgradcampp']);
    const smooth = await maps(['--method', 'smoothgradcampp', '--compat', 'torch-cam', '--cam-samples', '2']);
    const plusPlus = await maps(['--method', 'gradcampp', '--compat', 'torch-cam']);
    for (const [i, map] of paper.entries()) {
      expect(Math.max(...smooth[i]!)).toBeCloseTo(1, 5);
      expect(Array.from(smooth[i]!)).not.toEqual(Array.from(map));
      expect(Math.max(...plusPlus[i]!)).toBeCloseTo(1, 5);
    }
  });

  it('runs ablationcam to maps in [0,1]; sscam with --cam-sigma 0 is scorecam (forward passes)', async () => {
    for (const map of await maps(['--method', 'ablationcam'])) {
      expect(Math.max(...map)).toBeCloseTo(1, 5);
      expect(Math.min(...map)).toBeGreaterThanOrEqual(0);
    }
    const channels = ['--score-cam-channels', '3'];
    const still = await maps(['--method', 'sscam', ...channels, '--cam-samples', '2', '--cam-sigma', '0']);
    const score = await maps(['--method', 'scorecam', ...channels]);
    const noisy = await maps(['--method', 'sscam', ...channels, '--cam-samples', '2', '--cam-sigma', '1']);
    for (const [i, map] of score.entries()) {
      expect(Math.max(...map)).toBeCloseTo(1, 5);
      for (let p = 0; p < map.length; p++) expect(Math.abs(still[i]![p]! - map[p]!)).toBeLessThan(1e-5);
      expect(Array.from(noisy[i]!)).not.toEqual(Array.from(map));
    }
  });
});
