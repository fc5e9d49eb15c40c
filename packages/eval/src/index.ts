/**
 * @cam-localize/eval: WSOL evaluation that reproduces wsolevaluation's numbers (Choe et al.,
 * CVPR 2020): box conventions and IoU, evaluators as accumulators (MaxBoxAcc / MaxBoxAccV2,
 * GT-known / Top-k Loc, PxAP), dataset readers with format detection, `.npy` score-map files,
 * the named evaluation protocol, the engine that scores a folder of score maps, the faithfulness
 * metrics (Average Drop, Deletion/Insertion, ROAD) over any forward function, and reports.
 * Everything below is public; what is not listed is internal.
 */

// Datasets: one table of layouts, detection, readers
export {
  DATASET_FORMATS,
  DATASET_READERS,
  detectDatasetFormat,
  readDataset,
} from './datasets/index.js';
export type {
  Dataset,
  DatasetFormat,
  DatasetItem,
  DatasetMask,
  ReadDatasetOptions,
} from './datasets/types.js';
export { type ClassList, readClassList } from './datasets/labels.js';
// The dataset-root rule, for paths read back later (a run folder's records)
export { PathConfinement } from './datasets/confine.js';

// Ground truth: completeness checks, clipping, masks
export {
  type ClippedBoxes,
  checkGroundTruth,
  clipBoxesToImage,
  describeDegenerateBoxes,
  describeIncomplete,
  type GroundTruthCheck,
  type IncompleteImage,
  stripIncomplete,
} from './ground-truth.js';
export { type GroundTruthMask, groundTruthLabels, readGroundTruthMask } from './masks.js';
export { type StoredSizeCheck, storedSizeMismatch, verifyStoredSizes } from './stored-sizes.js';

// IoU and the wsolevaluation box conventions
export { type IouConvention, iouContinuous, iouInclusive, maxIou, resizeBoxWsol } from './iou.js';

// Evaluation protocols and evaluators (accumulators: `accumulate` images, then `compute()`)
export {
  type EvaluationProtocol,
  normalizeMinMaxWsol,
  PROTOCOLS,
  TOOL_DEFAULTS,
  WSOL_PROTOCOL,
} from './evaluation-protocol.js';
export {
  BoxAccuracyEvaluator,
  type BoxAccuracyLevel,
  type BoxAccuracyOptions,
  type BoxAccuracyResult,
  type BoxAccuracyState,
} from './evaluators/box-accuracy.js';
export {
  LocalizationAccuracyEvaluator,
  type LocalizationCounts,
  type LocalizationOptions,
  type LocalizationRecord,
  type LocalizationResult,
} from './evaluators/localization.js';
export { PxapEvaluator, type PxapOptions, type PxapResult, type PxapState } from './evaluators/pxap.js';
export type { LocalizationState } from './evaluators/localization.js';
export {
  type FramedBoxes,
  type FramedMap,
  type FrameSize,
  groundTruthInFrame,
  wsolMapInFrame,
} from './protocol-frame.js';

// Metrics: one evaluator interface, one table that every output (records, metrics.json, summary,
// report rows, shard merging) reads
export type {
  Evaluator,
  FramedImage,
  JsonObject,
  MetricEvaluator,
  MetricRow,
  MetricSettings,
} from './metrics/evaluator.js';
export {
  METRICS,
  MetricSet,
  type MetricSetOptions,
  type MetricTable,
  reportRows,
  summaryLines,
} from './metrics/table.js';
export {
  LOCALIZATION_METRIC,
  type LocalizationJson,
  type LocalizationMetricResult,
  type LocalizationRecordDecisions,
} from './metrics/localization-metric.js';
export {
  BOX_ACCURACY_METRIC,
  type BoxAccuracyJson,
  type CorrectRanges,
} from './metrics/box-accuracy-metric.js';
export { PXAP_METRIC, type PxapJson, type PxapOutcome, type PxapRecord } from './metrics/pxap-metric.js';
export { FAITHFULNESS_METRIC } from './metrics/faithfulness-metric.js';

// Score-map files (.npy), and scoring a folder of them (in worker threads)
export {
  readNpy,
  readScoreMapNpy,
  scoreMapPath,
  writeScoreMapNpy,
  writeScoreMapNpyAsync,
} from './npy.js';
export {
  type CamProblem,
  type CamProblemKind,
  type ScoreCamOptions as ScoreCamDirectoryOptions,
  type ScoreCamResult,
  scoreCamDirectory,
} from './score-cams.js';
export {
  type ScoreMapsParallelOptions,
  type ScoreMapsParallelResult,
  scoreMapsParallel,
} from './parallel/index.js';

// Faithfulness: does the score depend on the pixels the map highlights? (one table of metrics)
export {
  createFaithfulnessMetrics,
  FAITHFULNESS_METRIC_NAMES,
  FAITHFULNESS_METRICS,
  type FaithfulnessMetricName,
  type FaithfulnessSettings,
  parseFaithfulnessList,
} from './faithfulness/registry.js';
export {
  evaluateFaithfulness,
  type FaithfulnessCost,
  type FaithfulnessRunOptions,
} from './faithfulness/evaluate.js';
export { AverageDrop, type AverageDropResult } from './faithfulness/average-drop.js';
export {
  type CurveResult,
  Deletion,
  type DeletionBaseline,
  type DeletionOptions,
} from './faithfulness/deletion.js';
export { Insertion, type InsertionOptions } from './faithfulness/insertion.js';
export { ROAD_PERCENTAGES, Road, type RoadOptions, type RoadResult } from './faithfulness/road.js';
export { noisyLinearImpute } from './faithfulness/noisy-linear-imputation.js';
export { riseBlur } from './faithfulness/rise-blur.js';
export { classProbability } from './faithfulness/pixels.js';
export {
  type CurveSummary,
  FaithfulnessAccumulator,
  type FaithfulnessRecord,
  type FaithfulnessState,
  type FaithfulnessSummary,
} from './faithfulness/aggregate.js';
export type { FaithfulnessImage, FaithfulnessMetric, PerturbationPlan } from './faithfulness/types.js';

// Reports: HTML and Markdown from plain data
export { CURVES_FIGURE_ID, curvesFigure, renderHtmlReport } from './report/html.js';
export { renderMarkdownReport } from './report/markdown.js';
export type {
  ReportCurves,
  ReportFigure,
  ReportGallery,
  ReportGalleryItem,
  ReportHeaderItem,
  ReportInput,
  ReportMetric,
  RenderedSection,
  ReportSection,
  ReportTable,
} from './report/types.js';
export {
  faithfulnessCurvesSvg,
  faithfulnessRows,
  faithfulnessSection,
} from './report/faithfulness-section.js';

// Figures as standalone SVG (for papers), and the statistics behind them
export { curvesSvg } from './report/svg.js';
export { histogram, histogramSvg } from './report/histogram.js';
export { barChartSvg, rankedBarsSvg } from './report/bars.js';
export { boxLegendSvg, colourBarSvg } from './report/legend.js';
export { PALETTE } from './report/svg-kit.js';
export { wilsonInterval } from './report/wilson.js';
export {
  BOX_SIZE_CUTOFFS,
  BOX_SIZES,
  type BoxSize,
  boxSizeOf,
  describeBoxSize,
  describeFailureMode,
  FAILURE_MODES,
  FAILURE_RULES,
  type FailureMode,
  failureModeOf,
  largestBoxShare,
} from './report/diagnose.js';
