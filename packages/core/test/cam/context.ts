import { expect } from 'vitest';
import type { CamContext } from '../../src/cam/index.js';
import { headScore, type Problem } from './slow-twins.js';

/** The CamContext of a slow-twin problem: its features, GAP-linear head and logits. */
export function contextOf(problem: Problem): CamContext {
  const scores = Float32Array.from({ length: problem.classes }, (_, c) =>
    headScore(problem, problem.features, c),
  );
  return {
    features: problem.features,
    channels: problem.channels,
    width: problem.width,
    height: problem.height,
    scores,
    head: {
      kind: 'gap-linear',
      channels: problem.channels,
      numClasses: problem.classes,
      weights: problem.weights,
    },
  };
}

export function expectClose(actual: Float32Array, expected: ArrayLike<number>, tolerance = 1e-4) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(tolerance);
}

/** The largest absolute difference between two maps. */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
