import { describe, expect, it } from 'vitest';
import { runCli } from '../cli-process.js';

describe('cam-localize usage', () => {
  it('prints help for every command and exits 0', async () => {
    for (const command of ['run', 'predict', 'eval', 'inspect', 'report']) {
      const result = await runCli([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toContain(`Usage: cam-localize ${command}`);
    }
    const top = await runCli(['--help']);
    expect(top.stdout).toMatch(/run .*predict .*eval .*inspect .*report/s);
  });

  it('exits 2 on usage errors, with a one-line message', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    const missingModel = await runCli(['predict', 'x.jpg']);
    expect(missingModel.code).toBe(2);
    expect(missingModel.stderr).toContain("required option '--model <onnx>'");
    const badChoice = await runCli(['run', 'd', '--model', 'm.onnx', '--boxes', 'some']);
    expect(badChoice.code).toBe(2);
    const noImages = await runCli(['predict', '/nonexistent/*.jpg', '--model', 'm.onnx']);
    expect(noImages.code).toBe(2);
    expect(noImages.stderr).toMatch(/^cam-localize: no images found for/m);
  });

  it('exits 2 with the file named when the model cannot be read (an input error)', async () => {
    const result = await runCli(['inspect', '/nonexistent/model.onnx']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/nonexistent/model.onnx');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
