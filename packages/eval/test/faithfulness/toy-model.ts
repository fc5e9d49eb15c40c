/**
 * A model small enough to compute by hand, for the faithfulness tests: its score is the sum of
 * channel 0 over the pixels, times a scale. With two classes [score, 0] it is a logit model (the
 * runner takes the softmax); alone, with `probabilities`, the score is read as the probability.
 */
import type { ForwardScores, ScoreMap } from '@cam-localize/core';

export function channelSumModel(scale: number, classes: 1 | 2, calls: number[] = []): ForwardScores {
  return async (batch, count) => {
    calls.push(count);
    const plane = batch.length / count / 3;
    const out = new Float32Array(count * classes);
    for (let b = 0; b < count; b++) {
      let sum = 0;
      for (let p = 0; p < plane; p++) sum += batch[b * 3 * plane + p]!;
      out[b * classes] = scale * sum;
    }
    return out;
  };
}

/** A [3, 1, width] input whose channel 0 holds `row` (the other channels zero). */
export function rowImage(row: number[]): Float32Array {
  const input = new Float32Array(3 * row.length);
  input.set(row);
  return input;
}

export function rowMap(values: number[]): ScoreMap {
  return { width: values.length, height: 1, data: Float32Array.from(values) };
}
