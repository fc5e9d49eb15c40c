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

  it('describes the two-layer head of MobileNetV3: why plain CAM does not apply, which methods do and how', async () => {
    const result = await runCli(['inspect', shared('models', 'untrained', 'mobilenet_v3_small.onnx')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^head +none for plain CAM \(.*HardSwish.*\); gradient methods apply by backprop$/m,
    );
    expect(result.stdout).toMatch(
      /^layer +\/features\/features\.12\/features\.12\.2\/Mul_output_0 \[N, 576, 7, 7\]$/m,
    );
  });

  it('--layers lists the candidate layers with shapes; --layer sets the one the gradient methods explain', async () => {
    const model = shared('models', 'untrained', 'resnet18.onnx');
    const listed = await runCli(['inspect', model, '--layers']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^ {2}\/layer3\/ +\[N, 256, 14, 14\]$/m);
    expect(listed.stdout).toMatch(/^ {2}\/layer4\/ +\[N, 512, 7, 7\]$/m);
    const layer3 = await runCli(['inspect', model, '--layer', '/layer3/', '--json']);
    expect(layer3.code, layer3.stderr).toBe(0);
    const forms = Object.fromEntries(
      (JSON.parse(layer3.stdout) as { methods: { method: string; form: string }[] }).methods.map((m) => [
        m.method,
        m.form,
      ]),
    );
    expect(forms).toMatchObject({
      cam: 'closed form',
      gradcam: 'backprop',
      layercam: 'backprop',
      scorecam: 'forward passes',
    });
  });
});
