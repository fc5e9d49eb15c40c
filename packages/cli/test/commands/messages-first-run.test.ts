/**
 * Issue 26, item 9: the messages a first run meets. Each through the real command: help with
 * examples, a typo's did-you-mean, short device lines that point to `doctor`, refusals that name
 * flags, the files a command wrote, where predict put its pictures, the batch that ran.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC, ilsvrcSubset } from '../fixtures.js';

const fast = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const image = join(ILSVRC, 'images', 'ILSVRC2012_val_00000347.JPEG');

/** No absolute path (a word of two or more `/` parts) said twice in one message. */
function repeatedPaths(text: string): string[] {
  const paths: string[] = text.match(/\/[\w.@+-]+(?:\/[\w.@+-]+)+/g) ?? [];
  return paths.filter((p, i) => paths.indexOf(p) !== i);
}

describe('messages without a model', () => {
  it('top-level --help ends with examples of commands', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    const examples = stdout.split('\nExamples:\n')[1]!.trimEnd().split('\n');
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const line of examples)
      expect(line).toMatch(/^ {2}\$ cam-localize (run|predict|inspect|doctor|view) /);
  });

  it('a typo in a required option gets a did-you-mean, exit 2', async () => {
    const result = await runCli(['run', 'data', '--modle', 'm.onnx', '--out', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--modle'");
    expect(result.stderr).toContain('(Did you mean --model?)');
    expect(result.stderr).not.toContain('not specified');
  });

  it('predict --help does not mention --protocol, which predict lacks (run --help does)', async () => {
    const predict = await runCli(['predict', '--help']);
    expect(predict.stdout).not.toContain('--protocol');
    expect(predict.stdout).toContain('--normalize');
    expect((await runCli(['run', '--help'])).stdout).toContain('under --protocol');
  });
});

describeWithTestBed('messages on a first run (fast model)', () => {
  it('--device cuda without CUDA: at most 3 lines, no path twice, pointing to doctor', async () => {
    const result = await runCli(['predict', image, '--model', FAST_MODEL, '--device', 'cuda']);
    if (result.code === 0) return; // this machine runs CUDA
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.length, result.stderr).toBeLessThanOrEqual(3);
    expect(result.stderr).toContain('cam-localize doctor --device cuda');
    expect(
      lines.every((line) => line.length <= 200),
      result.stderr,
    ).toBe(true);
    expect(repeatedPaths(result.stderr)).toEqual([]);
  });

  it('the device auto line is one short line', async () => {
    const result = await runCli(['predict', image, ...fast.slice(0, 4), '--device', 'auto', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const device = result.stderr.split('\n').filter((line) => line.includes('device auto'));
    expect(device).toHaveLength(1);
    expect(device[0]!.length, device[0]).toBeLessThanOrEqual(100);
  });

  it('a refusal names the flags to use, not the library’s options', async () => {
    const headless = shared('models', 'untrained', 'convnext_mini.onnx');
    const result = await runCli([
      'predict',
      image,
      '--model',
      headless,
      '--preset',
      'imagenet',
      '--device',
      'cpu',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--feature-tensor');
    expect(result.stderr).not.toMatch(/detectCamHead|CamModel\.load|classifierWeights|tokenGrid|skipTokens/);
    expect(repeatedPaths(result.stderr)).toEqual([]);
  });

  it('eigencam is not refused for want of a linear head', async () => {
    const headless = shared('models', 'untrained', 'mobilenet_v3_small.onnx');
    const args = ['predict', image, '--model', headless, '--preset', 'imagenet', '--device', 'cpu', '--json'];
    const cam = await runCli(args);
    expect(cam.code).not.toBe(0);
    expect(cam.stderr).toContain('no CAM head found');
    const eigen = await runCli([...args, '--method', 'eigencam']);
    expect(eigen.code, eigen.stderr).toBe(0);
    const record = JSON.parse(eigen.stdout.trim().split('\n')[0]!) as { status: string; targets: unknown[] };
    expect(record.status).toBe('ok');
    expect(record.targets).toHaveLength(1);
  });

  it('predict says where the overlays went', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cam-predict-overlays-')), 'p');
    const result = await runCli(['predict', image, ...fast, '--out', out, '--overlays']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`overlays in ${join(out, 'overlays')}`);
  });

  it('report lists only the files it wrote, each path once; run lists results.jsonl, which it wrote', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cam-report-files-')), 'run');
    const run = await runCli(['run', ilsvrcSubset(3), ...fast, '--out', dir, '--no-report']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/wrote results\.jsonl, /);
    const report = await runCli(['report', `${dir}/`, '--no-gallery']);
    expect(report.code, report.stderr).toBe(0);
    const line = report.stderr.split('\n').find((l) => l.startsWith('report: wrote'))!;
    expect(line).not.toContain('results.jsonl');
    expect(line).toContain('results.csv, metrics.json');
    expect(line).toContain('report.html');
    expect(line.split(dir)).toHaveLength(2); // the folder once, at the end
  });

  it('the summary shows the batch that ran: 1 for a model fixed at batch 1', async () => {
    const squeezenet = shared('models', 'squeezenet1.1-imagenet.onnx');
    const dir = join(mkdtempSync(join(tmpdir(), 'cam-fixed-batch-')), 'run');
    const flags = ['--model', squeezenet, '--preset', 'caffe', '--device', 'cpu', '--threads', '1'];
    const args = ['run', ilsvrcSubset(2), ...flags, '--batch', '4', '--out', dir, '--no-report'];
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('batch 1 (fixed by the model)');
    expect(result.stderr).not.toContain('batch 4');
  });
});
