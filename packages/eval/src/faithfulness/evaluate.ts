/**
 * Runs faithfulness metrics on one image: the perturbed inputs of every metric go through the
 * model in batches of `batchSize` (one batch memory, refilled), and each metric gets the explained
 * class's probability on its own inputs back.
 */
import { CamError } from '@cam-localize/core';
import { classProbability } from './pixels.js';
import type { FaithfulnessImage, FaithfulnessMetric, ForwardScores } from './types.js';

export interface FaithfulnessRunOptions {
  /** Perturbed inputs per forward call (the session's batch; default 8). */
  readonly batchSize?: number;
  /** The model's scores are already probabilities (its graph ends in a softmax). */
  readonly probabilities?: boolean;
}

/** What the metrics of one image cost. */
export interface FaithfulnessCost {
  /** Perturbed inputs (forward passes of one image) per metric. */
  readonly passes: Record<string, number>;
  /** Milliseconds per metric: building its inputs, plus its share of the forward calls. */
  readonly ms: Record<string, number>;
  /** The forward calls' share in `ms` (the rest is building the perturbed inputs, on this thread). */
  readonly forwardMs: Record<string, number>;
}

/** Each metric's result on the image, by metric name, with the cost. */
export async function evaluateFaithfulness(
  image: FaithfulnessImage,
  metrics: readonly FaithfulnessMetric[],
  forward: ForwardScores,
  options: FaithfulnessRunOptions = {},
): Promise<{ results: Record<string, unknown>; cost: FaithfulnessCost }> {
  const plane = 3 * image.width * image.height;
  if (image.input.length !== plane) {
    throw new CamError(
      `the input holds ${image.input.length} values, expected 3x${image.height}x${image.width}`,
    );
  }
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 8));
  const ms: Record<string, number> = {};
  const passes: Record<string, number> = {};
  const forwardMs: Record<string, number> = {};
  const plans = metrics.map((metric) => {
    const started = performance.now();
    const plan = metric.plan(image);
    ms[metric.name] = performance.now() - started;
    passes[metric.name] = plan.count;
    forwardMs[metric.name] = 0;
    return plan;
  });
  // Every perturbed input in one sequence: (metric, index within it).
  const jobs: [number, number][] = plans.flatMap((plan, m) =>
    Array.from({ length: plan.count }, (_, i): [number, number] => [m, i]),
  );
  const probabilities = plans.map((plan) => new Float64Array(plan.count));
  const batch = new Float32Array(Math.min(batchSize, Math.max(1, jobs.length)) * plane);
  for (let start = 0; start < jobs.length; start += batchSize) {
    const chunk = jobs.slice(start, start + batchSize);
    for (const [b, [m, i]] of chunk.entries()) {
      const started = performance.now();
      plans[m]!.fill(i, batch.subarray(b * plane, (b + 1) * plane));
      ms[metrics[m]!.name]! += performance.now() - started;
    }
    const started = performance.now();
    const scores = await forward(batch.subarray(0, chunk.length * plane), chunk.length);
    const share = (performance.now() - started) / chunk.length;
    const classes = scores.length / chunk.length;
    if (!Number.isInteger(classes) || classes <= image.classIndex) {
      throw new CamError(`the forward pass gave ${scores.length} scores for ${chunk.length} inputs`);
    }
    for (const [b, [m, i]] of chunk.entries()) {
      const row = scores.subarray(b * classes, (b + 1) * classes);
      probabilities[m]![i] = classProbability(row, image.classIndex, options.probabilities);
      ms[metrics[m]!.name]! += share;
      forwardMs[metrics[m]!.name]! += share;
    }
  }
  const results: Record<string, unknown> = {};
  for (const [m, plan] of plans.entries()) results[metrics[m]!.name] = plan.finish(probabilities[m]!);
  return { results, cost: { passes, ms, forwardMs } };
}
