import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC, ilsvrcSubset, MOBILENET_V2 } from '../fixtures.js';

/**
 * Issue 26, items 1-3: the preprocessing the tool checks (the preset probe, `--preset auto`, the
 * warning after 64 images), the input size fitted before the first image, and the provenance of
 * every value in config.json, the report and compare.
 */
const SQUEEZENET = shared('models', 'squeezenet1.1-imagenet.onnx');
const MOBILENET_192 = shared('models', 'mobilenetv1-0.75-192-imagenet.onnx');
const UNTRAINED_SQUEEZENET = shared('models', 'untrained', 'squeezenet1_1.onnx');
const CPU = ['--device', 'cpu'];

function photos(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'cam-photos-'));
  const images = join(ILSVRC, 'images');
  for (const name of readdirSync(images).sort().slice(0, count))
    copyFileSync(join(images, name), join(dir, name));
  return dir;
}

const config = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));

describeWithTestBed('preprocessing the tool checks (issue 26)', () => {
  const dataset = ilsvrcSubset(64);

  it('--preset auto (the default) probes a caffe model, runs it with caffe and records where each value came from', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cam-auto-'));
    const run = await runCli([
      'run',
      dataset,
      '--model',
      SQUEEZENET,
      ...CPU,
      '--limit',
      '8',
      '--out',
      out,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/preset auto: caffe, Top-1 \d+% against imagenet's 0%/);
    expect(run.stderr).toMatch(/probe: 32 images x 5 presets in [\d.]+ s/);
    expect(JSON.parse(run.stdout).localization.top1Cls).toBeGreaterThan(0.4);
    const ran = config(out).preprocessRan;
    expect(ran.preset).toMatch(/^caffe, chosen by the probe/);
    expect(ran.inputSize).toEqual([224, 224]);
    expect(ran.config.channelOrder).toBe('bgr');
    expect(ran.sources.mean).toBe('preset caffe, chosen by the probe');
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('**channel order**: BGR');
    expect(report).toContain('**input size**: 224x224');
    expect(report).not.toMatch(/null/);
  });

  it('the probe is skipped when a preprocessing flag is given; a PyTorch export takes imagenet without one', async () => {
    const given = await runCli([
      'run',
      dataset,
      '--model',
      FAST_MODEL,
      ...CPU,
      '--mean',
      '0.5,0.5,0.5',
      '--limit',
      '2',
      '--out',
      mkdtempSync(join(tmpdir(), 'cam-given-')),
      '--no-report',
    ]);
    expect(given.code, given.stderr).toBe(0);
    expect(given.stderr).not.toContain('preset auto');
    const out = mkdtempSync(join(tmpdir(), 'cam-torch-'));
    const torch = await runCli([
      'run',
      dataset,
      '--model',
      UNTRAINED_SQUEEZENET,
      ...CPU,
      '--limit',
      '2',
      '--out',
      out,
      '--no-report',
    ]);
    expect(torch.code, torch.stderr).toBe(0);
    expect(torch.stderr).toContain("preset auto: imagenet, a PyTorch export: torchvision's ImageNet recipe;");
    expect(torch.stderr).not.toContain('probe:');
    expect(config(out).preprocessRan.sources.mean).toBe('preset imagenet, auto for a PyTorch export');
  });

  it('inspect --probe prints a row per preset and recommends; on random weights it keeps imagenet', async () => {
    const trained = await runCli(['inspect', SQUEEZENET, '--probe', dataset]);
    expect(trained.code, trained.stderr).toBe(0);
    for (const preset of ['imagenet', 'inception', 'caffe *', 'mobilenet', 'wsol'])
      expect(trained.stdout).toMatch(new RegExp(`^${preset.replace('*', '\\*')}\\s`, 'm'));
    expect(trained.stdout).toMatch(/preset probe: 32 images \(32 labelled\)/);
    expect(trained.stdout).toContain('recommended: --preset caffe (*)');
    const untrained = await runCli(['inspect', UNTRAINED_SQUEEZENET, '--probe', photos(32), '--json']);
    expect(untrained.code, untrained.stderr).toBe(0);
    const probe = JSON.parse(untrained.stdout);
    expect(probe.labelled).toBe(0);
    expect(probe.rows).toHaveLength(5);
    expect(probe.recommended).toBe('imagenet');
  });

  it('after 64 images, a wrong preset is named with the probe (run: Top-1 and one class; predict: one class)', async () => {
    const run = await runCli([
      'run',
      dataset,
      '--model',
      SQUEEZENET,
      '--preset',
      'imagenet',
      ...CPU,
      '--out',
      mkdtempSync(join(tmpdir(), 'cam-warn-')),
      '--no-report',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const warning = run.stderr.split('\n').filter((l) => l.includes('warning:'));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(
      /Top-1 Cls is \d\.\d% on the first 64 labelled images; class 669 \(mosquito net\) takes \d+ of the first 64 predictions/,
    );
    expect(warning[0]).toContain(`cam-localize inspect ${SQUEEZENET} --probe`);
    expect(warning[0]).toContain('preset imagenet, from --preset');

    const predicted = await runCli([
      'predict',
      photos(64),
      '--model',
      SQUEEZENET,
      '--preset',
      'imagenet',
      ...CPU,
      '--json',
    ]);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(predicted.stderr).toMatch(
      /warning: class 669 \(mosquito net\) takes \d+ of the first 64 predictions/,
    );
    const right = await runCli([
      'predict',
      photos(64),
      '--model',
      SQUEEZENET,
      '--preset',
      'caffe',
      ...CPU,
      '--json',
    ]);
    expect(right.code, right.stderr).toBe(0);
    expect(right.stderr).not.toContain('warning:');
  });

  it('a 224 preset on a 192 model is fitted before the first image, said once; a --crop that cannot fit stops with one message', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cam-192-'));
    const run = await runCli([
      'run',
      dataset,
      '--model',
      MOBILENET_192,
      '--preset',
      'imagenet',
      ...CPU,
      '--limit',
      '4',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const said = run.stderr.split('\n').filter((l) => l.includes('preprocessing adapted'));
    expect(said).toEqual([
      'cam-localize: the model takes 192x192 inputs: preprocessing adapted from resize shorter 256, crop 224 to resize shorter 219, crop 192 (same ratio)',
    ]);
    const ran = config(out).preprocessRan;
    expect(ran.config.crop).toEqual([192, 192]);
    expect(ran.config.resize).toEqual({ mode: 'shorter', size: 219 });
    expect(ran.sources.crop).toBe('preset imagenet, from --preset, set to the model input');
    expect(config(out).fingerprint.preprocess.crop).toEqual([192, 192]);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('**input size**: 192x192');
    expect(report).toContain(
      '**resize**: shorter 219 \\(preset imagenet, from --preset, scaled to the model input\\)',
    );

    const mobilenet = mkdtempSync(join(tmpdir(), 'cam-192m-'));
    const exact = await runCli([
      'run',
      dataset,
      '--model',
      MOBILENET_192,
      '--preset',
      'mobilenet',
      ...CPU,
      '--limit',
      '4',
      '--out',
      mobilenet,
      '--no-report',
    ]);
    expect(exact.code, exact.stderr).toBe(0);
    expect(config(mobilenet).preprocessRan.config.resize).toEqual({ mode: 'exact', size: [192, 192] });
    const compare = await runCli(['compare', out, mobilenet, '--out', join(out, 'compared')]);
    expect(compare.code, compare.stderr).toBe(0);
    const compared = readFileSync(join(out, 'compared', 'compare.md'), 'utf8');
    expect(compared).toContain('192x192, preset imagenet, resize shorter 219, crop 192x192, RGB');
    expect(compared).toContain('192x192, preset mobilenet, resize exact 192x192, no crop, RGB');

    const stopped = mkdtempSync(join(tmpdir(), 'cam-192c-'));
    const refused = await runCli([
      'run',
      dataset,
      '--model',
      MOBILENET_192,
      '--crop',
      '224',
      ...CPU,
      '--out',
      stopped,
    ]);
    expect(refused.code).toBe(2);
    expect(
      refused.stderr.match(/preprocessing gives 224x224 inputs but the model takes 192x192/g),
    ).toHaveLength(1);
    expect(refused.stderr).toContain('--crop 192');
    expect(refused.stderr).toContain('--preset');
    expect(existsSync(join(stopped, 'results.jsonl'))).toBe(false);
  });

  it.each([
    ['224', () => MOBILENET_V2],
    ['192', () => MOBILENET_192],
  ])("eval --cams on a run's own maps gives the run's metrics exactly (%s model)", async (size, model) => {
    const out = mkdtempSync(join(tmpdir(), `cam-eval-${size}-`));
    const cams = join(out, 'cams');
    const run = await runCli([
      'run',
      dataset,
      '--model',
      model(),
      '--preset',
      'mobilenet',
      '--protocol',
      'wsolevaluation',
      ...CPU,
      '--limit',
      '12',
      '--save-cams',
      cams,
      '--out',
      join(out, 'run'),
      '--no-report',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const evaluated = await runCli(['eval', dataset, '--cams', cams, '--limit', '12', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const [ran, scored] = [JSON.parse(run.stdout), JSON.parse(evaluated.stdout)];
    expect(scored.images.scored).toBe(12);
    expect(scored.maxBoxAccV2).toBe(ran.maxBoxAccV2);
    expect(scored.maxBoxAccByIoU).toEqual(ran.maxBoxAccByIoU);
    expect(scored.bestThresholdByIoU).toEqual(ran.bestThresholdByIoU);
    if (size === '192') expect(evaluated.stderr).toContain('eval: frame 192x192, the size of the maps');
    else expect(evaluated.stderr).not.toContain('eval: frame');
  });

  it('a .preprocess.json sidecar is said on stderr, skips the probe and is named as the source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-sidecar-'));
    const model = join(dir, 'fast.onnx');
    copyFileSync(FAST_MODEL, model);
    writeFileSync(join(dir, 'fast.preprocess.json'), '{"preset": "mobilenet"}');
    const out = join(dir, 'run');
    const run = await runCli([
      'run',
      dataset,
      '--model',
      model,
      ...CPU,
      '--limit',
      '2',
      '--out',
      out,
      '--no-report',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `cam-localize: preprocessing from the sidecar ${join(dir, 'fast.preprocess.json')}`,
    );
    expect(run.stderr).not.toContain('preset auto');
    const ran = config(out).preprocessRan;
    expect(ran.preset).toBe(`none: the sidecar ${join(dir, 'fast.preprocess.json')}`);
    expect(ran.sources.resize).toBe('preset mobilenet, set to the model input');
    expect(ran.config.resize).toEqual({ mode: 'exact', size: [128, 128] });
  });
});
