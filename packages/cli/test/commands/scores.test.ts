/**
 * Scores say what they are (issue 26, item 7): records, config.json, predict's table and the
 * overlay tags mark a score as a logit or a probability (a final Softmax tells); `--scores
 * probability` applies softmax uniformly, and a resume with the other setting is refused.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { overlayLabel } from '../../src/pipeline/artifacts.js';
import { ResultTable } from '../../src/pipeline/result-table.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL_FLAGS, ILSVRC, ilsvrcSubset, readJsonLines } from '../fixtures.js';

interface Scored {
  id: string;
  scoreKind?: string;
  top: { class: number; score: number }[];
  targets?: { class: number; score: number }[];
}

const PHOTOS = ['ILSVRC2012_val_00000347.JPEG', 'ILSVRC2012_val_00002164.JPEG'].map((f) =>
  join(ILSVRC, 'images', f),
);

async function predict(model: readonly string[], ...extra: string[]): Promise<Scored[]> {
  const result = await runCli(['predict', ...PHOTOS, ...model, '--json', ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Scored);
}

describe('the score tags', () => {
  it('the overlay tag and the table head say logit, probability or log-probability', () => {
    expect(overlayLabel(281, 'tabby', 12.3456, 'logit')).toBe('tabby logit 12.35');
    expect(overlayLabel(281, 'tabby', 0.8712, 'probability')).toBe('tabby p=0.87');
    expect(overlayLabel(281, undefined, -0.14, 'log-probability')).toBe('class 281 log p=-0.14');
    expect(new ResultTable(['a.jpg'], 'logit').header()).toMatch(/ logit {2}box/);
    expect(new ResultTable(['a.jpg'], 'probability').header()).toMatch(/ prob {2}box/);
  });
});

describeWithTestBed('scores in the records', () => {
  it('a logit model: raw records say logit; --scores probability gives the softmax, same ranking', async () => {
    const raw = await predict(FAST_MODEL_FLAGS);
    const probability = await predict(FAST_MODEL_FLAGS, '--scores', 'probability');
    for (const [i, record] of raw.entries()) {
      expect(record.scoreKind).toBe('logit');
      const p = probability[i]!;
      expect(p.scoreKind).toBe('probability');
      expect(p.top.map((t) => t.class)).toEqual(record.top.map((t) => t.class));
      // softmax: ratios of probabilities are exp of differences of logits
      for (let k = 1; k < record.top.length; k++) {
        const ratio = p.top[k]!.score / p.top[0]!.score;
        expect(ratio).toBeCloseTo(Math.exp(record.top[k]!.score - record.top[0]!.score), 5);
      }
      expect(p.top.reduce((sum, t) => sum + t.score, 0)).toBeLessThanOrEqual(1 + 1e-6);
      expect(p.targets![0]!.score).toBe(p.top[0]!.score);
    }
  });

  it('a model ending in Softmax: raw records already say probability, and --scores probability changes nothing', async () => {
    const squeezenet = ['--model', shared('models', 'squeezenet1.1-imagenet.onnx'), '--preset', 'caffe'];
    const raw = await predict(squeezenet);
    const probability = await predict(squeezenet, '--scores', 'probability');
    expect(raw.map((r) => r.scoreKind)).toEqual(['probability', 'probability']);
    expect(probability.map((r) => r.top)).toEqual(raw.map((r) => r.top));
  });

  it('run records what the scores are in config.json, and --resume refuses the other --scores', async () => {
    const dataset = ilsvrcSubset(2);
    const out = join(mkdtempSync(join(tmpdir(), 'cam-scores-')), 'run');
    const args = ['run', dataset, ...FAST_MODEL_FLAGS, '--out', out, '--no-report'];
    const first = await runCli([...args, '--scores', 'probability']);
    expect(first.code, first.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.scores).toEqual({ model: 'logit', recorded: 'probability' });
    expect(config.fingerprint.scores).toBe('probability');
    const records = readJsonLines<Scored>(join(out, 'results.jsonl'));
    expect(records.map((r) => r.scoreKind)).toEqual(['probability', 'probability']);
    for (const r of records) for (const t of r.top) expect(t.score).toBeGreaterThan(0);
    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('scores');
  });
});
