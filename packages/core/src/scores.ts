/**
 * What a model's class scores are: logits, probabilities (a Softmax ends the graph) or
 * log-probabilities (a LogSoftmax ends it), told from the graph, so that records, tables and
 * overlays can say which, and any of them can be turned into probabilities.
 */
import { PASSTHROUGH } from './head/graph.js';
import type { OnnxModel } from './onnx/schema.js';

export type ScoreKind = 'logit' | 'probability' | 'log-probability';

/** The kind of the scores in `output`: what its producer is, through reshapes and identities. */
export function scoreKindOf(model: OnnxModel, output: string): ScoreKind {
  let node = model.producer(output);
  while (node !== undefined && PASSTHROUGH.has(node.opType)) node = model.producer(node.inputs[0]!);
  if (node?.opType === 'Softmax') return 'probability';
  if (node?.opType === 'LogSoftmax') return 'log-probability';
  return 'logit';
}

/**
 * One image's scores as probabilities: a softmax over logits (max subtracted first, so large logits
 * do not overflow), exp of log-probabilities, probabilities as they are.
 */
export function toProbabilities(scores: ArrayLike<number>, kind: ScoreKind): Float64Array {
  const out = new Float64Array(scores.length);
  if (kind === 'probability') {
    for (let i = 0; i < scores.length; i++) out[i] = scores[i]!;
    return out;
  }
  if (kind === 'log-probability') {
    for (let i = 0; i < scores.length; i++) out[i] = Math.exp(scores[i]!);
    return out;
  }
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = Math.exp(scores[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
