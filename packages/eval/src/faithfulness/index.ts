export {
  type CurveSummary,
  FaithfulnessAccumulator,
  type FaithfulnessRecord,
  type FaithfulnessSummary,
} from './aggregate.js';
export { AverageDrop, type AverageDropResult, averageDropTerms } from './average-drop.js';
export { type CurveResult, Deletion, type DeletionBaseline, type DeletionOptions } from './deletion.js';
export {
  evaluateFaithfulness,
  type FaithfulnessCost,
  type FaithfulnessRunOptions,
} from './evaluate.js';
export { Insertion, type InsertionOptions } from './insertion.js';
export { noisyLinearImpute } from './noisy-linear-imputation.js';
export { classProbability, mapAtInputSize, relevanceOrder, trapezoidAuc } from './pixels.js';
export {
  createFaithfulnessMetrics,
  FAITHFULNESS_METRIC_NAMES,
  FAITHFULNESS_METRICS,
  type FaithfulnessMetricName,
  type FaithfulnessSettings,
  parseFaithfulnessList,
} from './registry.js';
export { riseBlur, riseKernel } from './rise-blur.js';
export { ROAD_PERCENTAGES, Road, type RoadOptions, type RoadResult } from './road.js';
export type { FaithfulnessImage, FaithfulnessMetric, PerturbationPlan } from './types.js';
