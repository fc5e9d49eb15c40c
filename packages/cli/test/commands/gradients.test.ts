/**
 * Gradient CAMs through the CLI, on the test bed's real export graphs: the command gives
 * PyTorch autograd's raw Grad-CAM maps (golden/gradients) for all seven layer cases, and `run`
 * works end to end with every gradient method on the models without a closed-form head.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScoreMapNpy } from '@cam-localize/eval';
import { expect, it } from 'vitest';
import { readNpyFloat32 } from '../../../../test-support/npy.js';
import { describeWithTestBed, hasTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { ilsvrcSubset } from '../fixtures.js';

interface Meta {
  readonly model: string;
  readonly onnx_tensor: string;
  readonly layout: string;
  readonly images: string[];
}

function readNpyInt64(path: string): number[] {
  const bytes = readFileSync(path);
  const start = bytes.byteOffset + 10 + bytes.readUInt16LE(8);
  return Array.from(new BigInt64Array(bytes.buffer.slice(start, bytes.byteOffset + bytes.length)), Number);
}

describeWithTestBed('gradient CAMs through the CLI', () => {
  const golden = shared('golden', 'gradients');
  const cases = hasTestBed ? readdirSync(golden).sort() : [];

  for (const name of cases) {
    it(`${name}: predict --method gradcam --feature-tensor ... --normalize none --cam-size feature = autograd's map`, async () => {
      const meta = JSON.parse(readFileSync(join(golden, name, 'meta.json'), 'utf8')) as Meta;
      const classes = readNpyInt64(join(golden, name, 'classes.npy')); // [2,2]: arg-max, class 1
      const photos = meta.images.map((image) => shared('datasets', 'ilsvrc2012-val-1000', 'images', image));
      const tokens = meta.layout.startsWith('tokens') ? ['--token-grid', '14x14', '--skip-tokens', '1'] : [];
      for (const [column, target, label] of [
        [0, 'predicted', 'top'],
        [1, String(classes[1]), 'c1'],
      ] as const) {
        // The c1 class is image 0's; image 1 is checked against it only where both agree.
        const out = mkdtempSync(join(tmpdir(), 'cam-grad-cli-'));
        const result = await runCli([
          'predict',
          ...photos,
          '--model',
          shared(meta.model),
          '--method',
          'gradcam',
          '--feature-tensor',
          meta.onnx_tensor,
          ...tokens,
          '--target',
          target,
          '--normalize',
          'none',
          '--save-cams',
          out,
          '--cam-size',
          'feature',
        ]);
        expect(result.code, result.stderr).toBe(0);
        const records = result.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { id: string; targets: { class: number }[] });
        const reference = readNpyFloat32(join(golden, name, `gradcam_${label}.npy`));
        const [, h, w] = reference.shape as [number, number, number];
        for (const [i, record] of records.entries()) {
          if (record.targets[0]!.class !== classes[i * 2 + column]) continue;
          const map = readScoreMapNpy(join(out, `${record.id}.npy`));
          expect([map.height, map.width]).toEqual([h, w]);
          const expected = reference.data.subarray(i * h * w, (i + 1) * h * w);
          const scale = Math.max(...expected);
          const error = Math.max(...Array.from(map.data, (v, p) => Math.abs(Math.max(0, v) - expected[p]!)));
          expect(error / scale, `${name} ${label} image ${i}`).toBeLessThan(1e-3);
        }
        expect(records[0]!.targets[0]!.class).toBe(classes[column]);
      }
    }, 60_000);
  }

  it('--layer takes a node-name prefix: /layer3/ is the output of layer3', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cam-grad-prefix-'));
    const photo = shared('datasets', 'ilsvrc2012-val-1000', 'images', 'ILSVRC2012_val_00000347.JPEG');
    const result = await runCli([
      'predict',
      photo,
      '--model',
      shared('models', 'untrained', 'resnet18.onnx'),
      '--method',
      'layercam',
      '--layer',
      '/layer3/',
      '--save-cams',
      out,
      '--cam-size',
      'feature',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const map = readScoreMapNpy(join(out, 'ILSVRC2012_val_00000347.JPEG.npy'));
    expect([map.width, map.height]).toEqual([14, 14]);
  });

  it("--layer twice: Layer-CAM's fusion on the finer grid; other methods refuse several layers", async () => {
    const out = mkdtempSync(join(tmpdir(), 'cam-grad-fusion-'));
    const photo = shared('datasets', 'ilsvrc2012-val-1000', 'images', 'ILSVRC2012_val_00000347.JPEG');
    const model = shared('models', 'untrained', 'resnet18.onnx');
    const layers = ['--layer', '/layer3/', '--layer', '/layer4/'];
    const fused = await runCli([
      'predict',
      photo,
      '--model',
      model,
      '--method',
      'layercam',
      ...layers,
      '--save-cams',
      out,
      '--cam-size',
      'feature',
    ]);
    expect(fused.code, fused.stderr).toBe(0);
    const map = readScoreMapNpy(join(out, 'ILSVRC2012_val_00000347.JPEG.npy'));
    expect([map.width, map.height]).toEqual([14, 14]);
    expect(Math.max(...map.data)).toBe(1);
    const refused = await runCli(['predict', photo, '--model', model, '--method', 'gradcam', ...layers]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('several --layer are fused by Layer-CAM only, not by gradcam');
  });

  it('inspect on MobileNetV3-Small: plain CAM does not apply, the gradient methods do', async () => {
    const result = await runCli(['inspect', shared('models', 'untrained', 'mobilenet_v3_small.onnx')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^head +none for plain CAM \(.*\); gradient methods apply by backprop$/m);
    expect(result.stdout).toMatch(
      /^backprop +gradcam, gradcampp, xgradcam, layercam, hirescam, gradcam-elementwise$/m,
    );
    expect(result.stdout).toMatch(/^not applicable +cam, smoothgradcampp, ablationcam$/m);
  });

  for (const model of ['mobilenet_v3_small', 'convnext_mini', 'swin_mini', 'vit_tiny']) {
    it(`run works end to end with every gradient method on ${model}`, async () => {
      const dataset = ilsvrcSubset(3);
      for (const method of ['gradcam', 'gradcampp', 'xgradcam', 'layercam', 'hirescam']) {
        const out = mkdtempSync(join(tmpdir(), `cam-grad-run-${method}-`));
        const result = await runCli([
          'run',
          dataset,
          '--model',
          shared('models', 'untrained', `${model}.onnx`),
          '--method',
          method,
          '--out',
          out,
          '--no-report',
        ]);
        expect(result.code, `${model} ${method}: ${result.stderr}`).toBe(0);
        const records = readFileSync(join(out, 'results.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(records.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
        const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
        expect(metrics.images?.ok ?? records.length).toBe(3);
      }
    }, 120_000);
  }
});
