/**
 * What the scores are (issue 26, item 7): told from the graph's end, on real sessions over tiny
 * models built here; and the probabilities made from each kind.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CamModel } from '../src/model.js';
import { parseOnnxModel } from '../src/onnx/read-model.js';
import { type ScoreKind, scoreKindOf, toProbabilities } from '../src/scores.js';
import { buildModel, randomFloats, S, tinyModel } from './onnx/builder.js';

const dir = mkdtempSync(join(tmpdir(), 'cam-scores-'));
const models: CamModel[] = [];
afterAll(async () => {
  await Promise.all(models.map((m) => m.release()));
  rmSync(dir, { recursive: true, force: true });
});

async function scoresOf(name: string, bytes: Uint8Array): Promise<{ kind: ScoreKind; scores: Float32Array }> {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const model = await CamModel.load(file, {
    device: 'cpu',
    preprocess: { preset: 'imagenet', resize: { mode: 'exact', size: [S, S] }, crop: null },
  });
  models.push(model);
  const scores = await model.forwardScores(randomFloats(3 * S * S, 7), 1);
  return { kind: model.scoreKind, scores };
}

describe('the kind of a model’s scores', () => {
  it('logits where no softmax ends the graph; probabilities (sum 1) after Softmax; log-probabilities after LogSoftmax', async () => {
    const logits = await scoresOf('gemm.onnx', tinyModel('gemm'));
    expect(logits.kind).toBe('logit');
    const probabilities = await scoresOf('softmax.onnx', tinyModel('gemm', { tail: 'Softmax' }));
    expect(probabilities.kind).toBe('probability');
    expect(probabilities.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const logs = await scoresOf('logsoftmax.onnx', tinyModel('gemm', { tail: 'LogSoftmax' }));
    expect(logs.kind).toBe('log-probability');

    // Each kind made into probabilities gives the same vector: softmax(logits).
    const expected = models[0]!.probabilities(logits.scores);
    expect(expected.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const other of [probabilities, logs]) {
      const p = toProbabilities(other.scores, other.kind);
      for (let c = 0; c < p.length; c++) expect(p[c]).toBeCloseTo(expected[c]!, 5);
    }
  });

  it('looks through reshapes and identities after the softmax', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: [1, 4] }],
      nodes: [
        { op: 'Softmax', inputs: ['x'], outputs: ['p'], attrs: { axis: { i: 1 } } },
        { op: 'Identity', inputs: ['p'], outputs: ['q'] },
        { op: 'Flatten', inputs: ['q'], outputs: ['y'] },
      ],
    });
    expect(scoreKindOf(parseOnnxModel(bytes), 'y')).toBe('probability');
    expect(scoreKindOf(parseOnnxModel(bytes), 'x')).toBe('logit');
  });

  it('softmax of large logits does not overflow, and keeps the order', () => {
    const p = toProbabilities(new Float32Array([1000, 999, -1000]), 'logit');
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(p[1]).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1)), 12);
    expect(p[2]).toBe(0);
  });
});
