import { expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';

describeWithTestBed('cam-localize inspect on the test-bed models', () => {
  it('describes a CAM-able model and exits 0', async () => {
    const result = await runCli(['inspect', shared('models', 'mobilenetv2-1.0-imagenet.onnx')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/head\s+gap-linear/);
    expect(result.stdout).toMatch(/feature tensor\s+features \[N, 1280, 7, 7\]/);
  });

  it('prints JSON with --json', async () => {
    const result = await runCli(['inspect', shared('models', 'squeezenet1.1-imagenet.onnx'), '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.headKind).toBe('class-map');
    expect(json.batch).toBe(1);
  });

  it('refuses the two-layer head of MobileNetV3 with exit 1 and says how to point at tensors', async () => {
    const result = await runCli(['inspect', shared('models', 'untrained', 'mobilenet_v3_small.onnx')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/HardSwish|Mul/);
    expect(result.stderr).toContain('--feature-tensor');
  });
});
