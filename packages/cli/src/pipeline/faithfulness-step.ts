/**
 * The faithfulness step of `run --faithfulness`: after an image's CAMs, the metrics explain its
 * predicted class with the map of the run's method, and their perturbed inputs go through the
 * model's session in batches of the run's batch size. It runs where the session is (the main
 * thread), like Score-CAM.
 */
import {
  type CamCompat,
  CamError,
  type ForwardScores,
  type Inference,
  type ScoreMap,
} from '@cam-localize/core';
import {
  classProbability,
  createFaithfulnessMetrics,
  type DeletionBaseline,
  evaluateFaithfulness,
  type FaithfulnessMetric,
  type FaithfulnessMetricName,
  type FaithfulnessRecord,
} from '@cam-localize/eval';

/** The settings of the metrics, as the run's work and config.json hold them. */
export interface FaithfulnessWork {
  readonly metrics: readonly FaithfulnessMetricName[];
  /** Steps of the deletion and insertion curves. */
  readonly steps: number;
  readonly deletionBaseline: DeletionBaseline;
  /** Seed of ROAD's imputation noise. */
  readonly seed: number;
}

/** A line's `faithfulness` in results.jsonl: the class explained and each metric's result. */
export type FaithfulnessJson = FaithfulnessRecord & { readonly class: number; readonly probability: number };

/** The session side of the step. */
export interface FaithfulnessSession {
  readonly forward: ForwardScores;
  /** The model's scores are probabilities already. */
  readonly probabilities: boolean;
  readonly batchSize: number;
}

export class FaithfulnessStep {
  private readonly metrics: FaithfulnessMetric[];

  /** `compat`: the run's --compat (pytorch-grad-cam: Average Drop in its DropInConfidence form). */
  constructor(
    work: FaithfulnessWork,
    private readonly session: FaithfulnessSession,
    compat?: CamCompat,
  ) {
    this.metrics = createFaithfulnessMetrics(work.metrics, {
      steps: work.steps,
      deletionBaseline: work.deletionBaseline,
      seed: work.seed,
      ...(compat === undefined ? {} : { compat }),
    });
  }

  /** The metrics of one image for `classIndex`, whose map is `map` (on the feature grid). */
  async evaluate(inference: Inference, classIndex: number, map: ScoreMap): Promise<FaithfulnessJson> {
    const { tensor } = inference.prepared;
    const plane = tensor.length / 3;
    const side = this.inputSize(inference, plane);
    const probability = classProbability(inference.scores, classIndex, this.session.probabilities);
    const { results } = await evaluateFaithfulness(
      { input: tensor, width: side.width, height: side.height, map, classIndex, probability },
      this.metrics,
      this.session.forward,
      { batchSize: this.session.batchSize, probabilities: this.session.probabilities },
    );
    return { class: classIndex, probability, ...(results as FaithfulnessRecord) };
  }

  private inputSize(inference: Inference, plane: number): { width: number; height: number } {
    const { inputWidth, inputHeight } = inference.prepared.geometry;
    if (inputWidth * inputHeight !== plane) {
      throw new CamError(
        `faithfulness: the input tensor holds ${3 * plane} values, not 3x${inputHeight}x${inputWidth}`,
      );
    }
    return { width: inputWidth, height: inputHeight };
  }
}
