import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScoreMapNpy } from '@cam-localize/eval';
import { expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { ilsvrcSubset, readJsonLines } from '../fixtures.js';

/** The torchvision ViT of the test bed (random weights): CAM on its token features. */
describeWithTestBed('cam-localize on a Vision Transformer (vit_tiny.onnx)', () => {
  const VIT = shared('models', 'untrained', 'vit_tiny.onnx');
  const images = ['ILSVRC2012_val_00000347.JPEG', 'ILSVRC2012_val_00000355.JPEG'].map((name) =>
    shared('datasets', 'ilsvrc2012-val-1000', 'images', name),
  );
  // The last block's first LayerNorm: pytorch-grad-cam's target layer for ViTs.
  const LAST_NORM1 = '/encoder/layers/encoder_layer_3/ln_1/Add_1_output_0';

  it('inspect finds the token features and their 14x14 grid', async () => {
    const result = await runCli(['inspect', VIT]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^head +tokens: Gather -> Gemm$/m);
    expect(result.stdout).toMatch(
      /^tokens +token features \[197,192\] -> grid 14x14, skip 1 \(the patch embedding\)$/m,
    );
    const given = await runCli([
      'inspect',
      VIT,
      '--feature-tensor',
      LAST_NORM1,
      '--token-grid',
      '14x14',
      '--json',
    ]);
    expect(given.code, given.stderr).toBe(0);
    expect(JSON.parse(given.stdout)).toMatchObject({
      headKind: 'tokens',
      featureTensor: LAST_NORM1,
      tokens: { count: 197, skip: 1, gridHeight: 14, gridWidth: 14, source: 'given' },
    });
    const wrong = await runCli(['inspect', VIT, '--token-grid', '13x13']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      'vit_tiny.onnx: a 13x13 grid leaves 28 of the 197 tokens to skip (class/distillation tokens are 1 or 2); pass --skip-tokens 28 if that is meant',
    );
    const short = await runCli(['inspect', VIT, '--token-grid', '14x14', '--skip-tokens', '2']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('197 tokens do not make a 14x14 grid after skipping 2 (198 needed)');
  });

  for (const method of ['eigencam', 'scorecam']) {
    it(`predict --method ${method} writes 14x14 maps and a record per image`, async () => {
      const out = mkdtempSync(join(tmpdir(), `cam-vit-${method}-`));
      const result = await runCli([
        'predict',
        ...images,
        '--model',
        VIT,
        '--method',
        method,
        '--score-cam-channels',
        '16',
        '--save-cams',
        join(out, 'cams'),
        '--cam-size',
        'feature',
        '--out',
        join(out, 'run'),
      ]);
      expect(result.code, result.stderr).toBe(0);
      const records = readJsonLines<{ id: string; status: string; targets: { boxes: number[][] }[] }>(
        join(out, 'run', 'results.jsonl'),
      );
      expect(records.map((r) => r.status)).toEqual(['ok', 'ok']);
      for (const record of records) {
        expect(record.targets[0]!.boxes.length).toBeGreaterThan(0);
        const map = readScoreMapNpy(join(out, 'cams', `${record.id}.npy`));
        expect([map.width, map.height]).toEqual([14, 14]);
        expect(Math.max(...map.data)).toBe(1); // relu-minmax of a map that varies
        expect(Math.min(...map.data)).toBe(0);
      }
    });
  }

  it('predict --method ablationcam runs the ablation passes on the token grid, default and given tensors', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cam-vit-ablationcam-'));
    const inspect = await runCli(['inspect', VIT]);
    expect(inspect.stdout).toMatch(/^forward passes +ablationcam, scorecam, sscam, iscam$/m);
    expect(inspect.stdout).toMatch(
      /^backprop +gradcam, gradcampp, xgradcam, layercam, hirescam, gradcam-elementwise$/m,
    );
    const runs = {
      // The final tokens: the passes run the model's tail (the class-token Gather and the classifier).
      final: [],
      // The last block's first LayerNorm, which a residual goes around: the whole model runs, masked.
      given: [
        '--feature-tensor',
        LAST_NORM1,
        '--token-grid',
        '14x14',
        '--skip-tokens',
        '1',
        '--score-cam-channels',
        '16',
      ],
    };
    for (const [name, options] of Object.entries(runs)) {
      const result = await runCli([
        'predict',
        ...images,
        '--model',
        VIT,
        '--method',
        'ablationcam',
        ...options,
        '--save-cams',
        join(out, name, 'cams'),
        '--cam-size',
        'feature',
        '--out',
        join(out, name, 'run'),
      ]);
      expect(result.code, result.stderr).toBe(0);
      const records = readJsonLines<{ id: string; status: string; top: { score: number }[] }>(
        join(out, name, 'run', 'results.jsonl'),
      );
      expect(records.map((r) => r.status)).toEqual(['ok', 'ok']);
      for (const record of records) {
        const map = readScoreMapNpy(join(out, name, 'cams', `${record.id}.npy`));
        expect([map.width, map.height]).toEqual([14, 14]);
        // A random head (the test bed's vit_tiny): real score drops, a finite map that is not flat.
        expect(record.top[0]!.score).not.toBe(0);
        expect(map.data.every(Number.isFinite)).toBe(true);
        expect(Math.max(...map.data)).toBeGreaterThan(Math.min(...map.data));
      }
    }
  });

  it('the closed-form-only methods say why they do not apply (exit 2, naming the model)', async () => {
    for (const method of ['cam', 'smoothgradcampp']) {
      const result = await runCli(['predict', images[0]!, '--model', VIT, '--method', method]);
      expect(result.code, method).toBe(2);
      expect(result.stderr).toContain(
        `vit_tiny.onnx: the CAM method '${method}' does not apply to this model: its classifier reads the class token`,
      );
      expect(result.stderr).toContain(
        'use --method ablationcam, scorecam, sscam, iscam, eigencam, or a gradient method by backprop: gradcam, gradcampp, xgradcam, layercam, hirescam, gradcam-elementwise',
      );
    }
  });

  it('run --resume refuses a changed token setting', async () => {
    const dataset = ilsvrcSubset(2);
    const out = mkdtempSync(join(tmpdir(), 'cam-vit-run-'));
    const args = ['run', dataset, '--model', VIT, '--method', 'eigencam', '--out', out, '--no-report'];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.fingerprint.tokens).toEqual({
      featureTensor: '/encoder/ln/Add_1_output_0',
      grid: '14x14',
      skip: 1,
    });
    // The same layout spelled out is the same run.
    const same = await runCli([...args, '--token-grid', '14x14', '--skip-tokens', '1', '--resume']);
    expect(same.code, same.stderr).toBe(0);
    const changed = await runCli([...args, '--feature-tensor', LAST_NORM1, '--resume']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(
      `tokens.featureTensor: "/encoder/ln/Add_1_output_0" then, "${LAST_NORM1}" now`,
    );
  });

  it('run --faithfulness works on the token features: every metric over every image', async () => {
    const dataset = ilsvrcSubset(2);
    const out = mkdtempSync(join(tmpdir(), 'cam-vit-faith-'));
    const result = await runCli([
      'run',
      dataset,
      '--model',
      VIT,
      '--method',
      'eigencam',
      '--faithfulness',
      'avgdrop,deletion,insertion',
      '--faithfulness-steps',
      '4',
      '--out',
      out,
      '--no-report',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { faithfulness } = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(faithfulness.avgdrop.images).toBe(2);
    expect(Number.isFinite(faithfulness.avgdrop.averageDrop)).toBe(true);
    for (const curve of ['deletion', 'insertion']) {
      expect(faithfulness[curve].images, curve).toBe(2);
      expect(faithfulness[curve].curve, curve).toHaveLength(5);
      expect(Number.isFinite(faithfulness[curve].auc), curve).toBe(true);
    }
  });
});
