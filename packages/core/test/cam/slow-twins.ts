/**
 * Slow twins of the CAM methods: their general, gradient-based definitions evaluated with
 * finite-difference gradients of a GAP-linear head, so the closed forms in src/cam are checked
 * against the papers' formulas rather than against themselves.
 */
import { rng } from '../../../../test-support/random.js';

export interface Problem {
  channels: number;
  width: number;
  height: number;
  classes: number;
  features: Float32Array;
  weights: Float32Array;
  bias: Float32Array;
}

export function randomProblem(seed: number, channels = 6, width = 5, height = 4, classes = 3): Problem {
  const next = rng(seed);
  const features = Float32Array.from({ length: channels * width * height }, () =>
    Math.max(0, next() * 2 - 0.6),
  );
  const weights = Float32Array.from({ length: classes * channels }, () => next() * 2 - 1);
  const bias = Float32Array.from({ length: classes }, () => next() - 0.5);
  return { channels, width, height, classes, features, weights, bias };
}

/** Y_c(F) = sum_k W[c,k] mean(F_k) + b_c, in float64. */
export function headScore(problem: Problem, features: ArrayLike<number>, c: number): number {
  const size = problem.width * problem.height;
  let score = problem.bias[c]!;
  for (let k = 0; k < problem.channels; k++) {
    let sum = 0;
    for (let p = 0; p < size; p++) sum += features[k * size + p]!;
    score += (problem.weights[c * problem.channels + k]! * sum) / size;
  }
  return score;
}

/** dY_c/dF by central differences, [K*h*w]. */
export function numericGradient(problem: Problem, c: number): Float64Array {
  const x = Float64Array.from(problem.features);
  const grad = new Float64Array(x.length);
  const h = 1e-3;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    x[i] = v + h;
    const up = headScore(problem, x, c);
    x[i] = v - h;
    const down = headScore(problem, x, c);
    x[i] = v;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** sum_k sum over pixels of pixelWeight(k, p) * F_k(p), as each paper writes its map. */
export function pixelWeightedMap(
  problem: Problem,
  pixelWeight: (k: number, p: number) => number,
): Float64Array {
  const size = problem.width * problem.height;
  const map = new Float64Array(size);
  for (let k = 0; k < problem.channels; k++) {
    for (let p = 0; p < size; p++) map[p] = map[p]! + pixelWeight(k, p) * problem.features[k * size + p]!;
  }
  return map;
}

export function reluMinMax(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values, (v) => Math.max(0, v));
  const lo = Math.min(...out);
  const hi = Math.max(...out);
  return hi > lo ? out.map((v) => (v - lo) / (hi - lo)) : out.fill(0);
}
