/**
 * What `run` and `predict` ask of each image, and the records it makes. The settings are plain
 * data, so they cross to the pipeline's worker threads as they are.
 */
import type {
  CamMethodName,
  CamMethodOptions,
  Inference,
  Normalization,
  ScoreKind,
  TargetSpec,
} from '@cam-localize/core';
import type { DatasetItem, EvaluationProtocol } from '@cam-localize/eval';
import type { BoxMode, ThresholdSpec } from '@cam-localize/localize';
import type { CamSize, OverlayStyle } from './artifacts.js';
import type { FaithfulnessWork } from './faithfulness-step.js';
import type { PredictRecord, RunRecord } from './records.js';

/** Settings shared by run and predict. */
export interface CommonWork {
  readonly method: CamMethodName;
  readonly normalization: Normalization;
  /** The method's options (--compat, --score-cam-channels). */
  readonly camOptions: CamMethodOptions;
  readonly target: TargetSpec;
  readonly threshold: ThresholdSpec;
  readonly mode: BoxMode;
  readonly connectivity: 4 | 8;
  readonly minArea: number;
  readonly saveCams?: { readonly dir: string; readonly size: CamSize };
  readonly overlayDir?: string;
  /** --colormap and --alpha of the overlays (default jet, 0.5). */
  readonly overlayStyle?: OverlayStyle;
  /** Class names by index (labels file or dataset class list); empty when unknown. */
  readonly classNames: readonly (string | null)[];
  /** Pack the feature-grid maps onto each record for grid-maps.jsonl (`cam-localize view`). */
  readonly gridMaps?: boolean;
  /** What the model's class scores are, and (--scores probability) whether records get probabilities. */
  readonly scores: ScoresWork;
}

/** The model's kind of scores, and the kind the records hold. */
export interface ScoresWork {
  readonly model: ScoreKind;
  readonly recorded: ScoreKind;
}

export interface RunWork extends CommonWork {
  readonly command: 'run';
  readonly protocol: EvaluationProtocol;
  /** --faithfulness: metrics of the predicted class's map (on the thread that holds the session). */
  readonly faithfulness?: FaithfulnessWork;
}

export interface PredictWork extends CommonWork {
  readonly command: 'predict';
}

export type ImageWork = RunWork | PredictWork;

/** The item an image came from: a dataset item (run) or a file found by predict. */
export type WorkItem = Pick<DatasetItem, 'id' | 'file'> & Partial<DatasetItem>;

export interface WorkTiming {
  readonly prepareMs: number;
  readonly inferMs: number;
}

/** A record of results.jsonl: run's (evaluated) or predict's (no ground truth); failures share run's shape. */
export type ImageRecord = RunRecord | PredictRecord;

/** Makes one command's record of an image from its forward pass (run-image-record.ts, predict-image-record.ts). */
export interface ImageRecordMaker {
  record(inference: Inference, item: WorkItem): Promise<ImageRecord>;
}
