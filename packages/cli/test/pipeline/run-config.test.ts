import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import {
  assertSameRun,
  fingerprintDifferences,
  parseRunConfig,
  RUN_CONFIG_FIELDS,
  type RunConfig,
  type RunFingerprint,
  readRunConfig,
  sha256File,
} from '../../src/pipeline/run-config.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL_FLAGS, ilsvrcSubset } from '../fixtures.js';
import { sampleRunConfig } from '../run-config-sample.js';

const fingerprint = (overrides: Partial<RunFingerprint> = {}): RunFingerprint => ({
  modelSha256: 'aa',
  labelsSha256: null,
  preprocess: {
    resize: { mode: 'shorter', size: 256 },
    crop: [224, 224],
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    channelOrder: 'rgb',
    scale: 1 / 255,
    interpolation: 'bilinear',
    antialias: true,
  } as RunFingerprint['preprocess'],
  resizeEngine: 'pil',
  method: 'cam',
  target: 'predicted',
  normalization: 'relu-minmax',
  threshold: '0.2',
  boxes: 'largest',
  connectivity: 8,
  minArea: 1,
  scoreCamChannels: null,
  protocol: 'cam-localize',
  boxAccuracy: { multiContour: true, iouLevels: [30, 50, 70] },
  dataset: '/data/set',
  format: 'wsol-metadata',
  split: null,
  ...overrides,
});

describe('run configuration', () => {
  it('accepts what run writes and names the field and the file of a damaged one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-config-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(sampleRunConfig()));
    expect((await readRunConfig(dir)).threshold).toBe('0.2');
    writeFileSync(join(dir, 'config.json'), JSON.stringify(sampleRunConfig({ connectivity: 6 })));
    await expect(readRunConfig(dir)).rejects.toThrow(
      `${join(dir, 'config.json')}: "connectivity" must be 4 or 8, found 6`,
    );
    expect(() => parseRunConfig(sampleRunConfig({ method: undefined }), 'c.json')).toThrow(
      'c.json: "method" must be a CAM method, found nothing',
    );
    writeFileSync(join(dir, 'config.json'), '{not json');
    await expect(readRunConfig(dir)).rejects.toThrow(/is not a run directory/);
  });

  it('lists every differing fingerprint field, old and new, nested ones by path', () => {
    const before = fingerprint();
    expect(fingerprintDifferences(before, fingerprint())).toEqual([]);
    const after = fingerprint({
      method: 'gradcam',
      threshold: '0.3',
      preprocess: { ...before.preprocess, mean: [0.5, 0.5, 0.5] },
    });
    expect(fingerprintDifferences(before, after)).toEqual([
      { field: 'preprocess.mean', previous: '[0.485,0.456,0.406]', current: '[0.5,0.5,0.5]' },
      { field: 'method', previous: '"cam"', current: '"gradcam"' },
      { field: 'threshold', previous: '"0.2"', current: '"0.3"' },
    ]);
  });

  it('refuses a resume with another fingerprint (usage error naming the fields), accepts the same', () => {
    const config = (fp: RunFingerprint) => sampleRunConfig({ fingerprint: fp }) as unknown as RunConfig;
    expect(() => assertSameRun(config(fingerprint()), config(fingerprint()), '/runs/a')).not.toThrow();
    let thrown: unknown;
    try {
      assertSameRun(config(fingerprint()), config(fingerprint({ modelSha256: 'bb' })), '/runs/a');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toContain('modelSha256: "aa" then, "bb" now');
  });

  it('hashes a file with SHA-256', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cam-hash-')), 'x');
    writeFileSync(file, 'abc');
    expect(await sha256File(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describeWithTestBed('config.json defined once', () => {
  it('a real run writes exactly the fields of RUN_CONFIG_FIELDS, in its order, each passing its check', async () => {
    const dataset = ilsvrcSubset(1);
    const out = join(mkdtempSync(join(tmpdir(), 'cam-config-')), 'run');
    const result = await runCli(['run', dataset, ...FAST_MODEL_FLAGS, '--out', out, '--no-report']);
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    const fields = Object.keys(RUN_CONFIG_FIELDS);
    expect(Object.keys(written)).toEqual(fields.filter((key) => Object.hasOwn(written, key)));
    for (const [key, field] of Object.entries(RUN_CONFIG_FIELDS)) {
      if (!('optional' in field)) expect(Object.hasOwn(written, key), key).toBe(true);
      if (Object.hasOwn(written, key)) expect(field.check(written[key]), key).toBe(true);
    }
  });
});
