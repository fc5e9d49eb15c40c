/**
 * What a faithfulness metric sees of one image, and the contract every metric keeps: it lists the
 * perturbed inputs it needs (built lazily, one at a time, into the runner's batch memory) and turns
 * the target class's probability on each of them into its result. The runner
 * (`evaluateFaithfulness`) batches the inputs of all metrics of an image through one `forward`,
 * so the metrics themselves never touch a session.
 */
import type { ForwardScores, ScoreMap } from '@cam-localize/core';

export type { ForwardScores };

/** One image and the map that explains the model's score for one class. */
export interface FaithfulnessImage {
  /** The preprocessed input the model saw, [3, height, width] row-major (the model's own space). */
  readonly input: Float32Array;
  readonly width: number;
  readonly height: number;
  /** The explanation map on any grid (e.g. the 7x7 CAM): upsampled bilinearly to width x height. */
  readonly map: ScoreMap;
  /** The class the map explains (the CLI takes the predicted, top-1 class). */
  readonly classIndex: number;
  /** The class's probability on the unperturbed input (softmax of the scores: see `classProbability`). */
  readonly probability: number;
}

/** The perturbed inputs one metric needs for one image, and how it reads their scores. */
export interface PerturbationPlan<R> {
  /** How many perturbed inputs. */
  readonly count: number;
  /** Writes perturbed input `index` ([3, height, width]) into `into`. */
  fill(index: number, into: Float32Array): void;
  /** The result, from the class probability on each perturbed input (in `fill`'s order). */
  finish(probabilities: Float64Array): R;
}

export interface FaithfulnessMetric<R = unknown> {
  readonly name: string;
  plan(image: FaithfulnessImage): PerturbationPlan<R>;
}
