/**
 * The fingerprint of a run: what a record of results.jsonl depends on, as canonical values and
 * hashes (the model file's bytes, the resolved preprocessing, the CAM and box settings, the
 * protocol, the dataset and the digest of its annotations), so `--resume` and `merge` refuse to
 * mix records made another way. `run-config.ts` builds it; config.json holds it.
 */
import type {
  CamCompat,
  CamMethodName,
  Normalization,
  PreprocessConfig,
  ResizeEngine,
} from '@cam-localize/core';
import type { BoxMode } from '@cam-localize/localize';
import type { FaithfulnessWork } from './faithfulness-step.js';

/** What a record of results.jsonl depends on; two runs with equal fingerprints make equal records. */
export interface RunFingerprint {
  readonly modelSha256: string;
  readonly labelsSha256: string | null;
  /** The preprocessing the model ran with, after presets, sidecar, metadata and flags. */
  readonly preprocess: PreprocessConfig;
  /** Who resized the images (libvips' pixels are not Pillow's). */
  readonly resizeEngine: ResizeEngine;
  readonly method: CamMethodName;
  /** --compat when not `paper` (absent: paper, as in runs written before the flag). */
  readonly compat?: CamCompat;
  readonly target: string;
  readonly normalization: Normalization;
  readonly threshold: string;
  readonly boxes: BoxMode;
  readonly connectivity: number;
  readonly minArea: number;
  readonly scoreCamChannels: number | null;
  /** How a transformer's tokens made the grid; absent for models with a feature map. */
  readonly tokens?: { readonly featureTensor: string; readonly grid: string; readonly skip: number };
  /** The layer a gradient method explained by backprop; absent where no backward graph ran. */
  readonly layer?: { readonly tensor: string; readonly kind: string; readonly grid: string };
  /** --scores probability (absent: the model's own scores, as in runs written before the flag). */
  readonly scores?: 'probability';
  /** --cam-samples and --cam-sigma where given (absent: the method's defaults). */
  readonly camSamples?: number;
  readonly camSigma?: number;
  readonly protocol: string;
  readonly boxAccuracy: { readonly multiContour: boolean; readonly iouLevels: readonly number[] };
  readonly dataset: string;
  readonly format: string;
  readonly split: string | null;
  /** SHA-256 of the ground truth read (annotations-digest.ts); absent in runs written before it. */
  readonly annotationsSha256?: string;
  /** --faithfulness settings; absent without the flag (so older runs compare equal). */
  readonly faithfulness?: FaithfulnessWork;
}
