/**
 * The configuration of a `run`, as config.json holds it: one type and one validator that `run`,
 * `run --resume` and `report` share. Its fingerprint pins everything a record depends on (the
 * model file's bytes, the resolved preprocessing, the CAM and box settings, the protocol, the
 * dataset, its reader and the digest of its annotations, the labels file), so a resume can refuse
 * to mix results made another way.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CAM_COMPATS,
  CAM_METHOD_NAMES,
  type CamCompat,
  type CamMethodName,
  type CamModel,
  describeError,
  type Normalization,
  type PreprocessConfig,
  type PreprocessOverrides,
  type ResizeEngine,
  type ScoreKind,
  UsageError,
} from '@cam-localize/core';
import { readRegularFile } from '@cam-localize/core/workers';
import { type Dataset, type EvaluationProtocol, FAITHFULNESS_METRIC_NAMES } from '@cam-localize/eval';
import { BOX_MODES, type BoxMode, formatThreshold, parseThreshold } from '@cam-localize/localize';
import { batchFor, type CamFlags, type LocalizeFlags, type ModelFlags } from '../options.js';
import { annotationsDigest } from './annotations-digest.js';
import type { FaithfulnessWork } from './faithfulness-step.js';
import { type PreprocessRan, preprocessRan } from './preprocess-provenance.js';
import type { PresetChoice } from './preset-choice.js';
import { assertSameShard, type ShardRecord } from './shard.js';

export type { BoxMode };

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

/** config.json of a run directory. */
export interface RunConfig {
  readonly command: 'run';
  readonly dataset: string;
  readonly format: string;
  readonly model: string;
  readonly labels: string | null;
  readonly protocol: string;
  readonly method: CamMethodName;
  /** --compat when not `paper` (absent: paper, as in runs written before the flag). */
  readonly compat?: CamCompat;
  readonly target: string;
  readonly normalization: Normalization;
  readonly threshold: string;
  readonly boxes: BoxMode;
  readonly boxAccuracy: { readonly multiContour: boolean; readonly iouLevels: readonly number[] };
  readonly connectivity: number;
  readonly minArea: number;
  readonly device: string;
  readonly batch: number | null;
  /** --workers as given (null: the default, cores - 1). */
  readonly workers?: number | null;
  /** Whether the CAMs were computed in the model graph (--cam-on-device). */
  readonly camInGraph?: boolean;
  readonly limit: number | null;
  /** The preprocessing overrides the run passed to the model. */
  readonly preprocess: PreprocessOverrides;
  /** The preprocessing flags as typed. */
  readonly preprocessFlags: Readonly<Record<string, string | undefined>>;
  /** The preprocessing that ran, and where each value came from (absent in runs written before it). */
  readonly preprocessRan?: PreprocessRan;
  readonly head: {
    readonly featureTensor: string | null;
    readonly classifierWeights: string | null;
    readonly classifierBias: string | null;
    /** --token-grid and --skip-tokens as given (absent in runs written before them). */
    readonly tokenGrid?: string | null;
    readonly skipTokens?: number | null;
  };
  readonly provider?: string;
  /** What the model's class scores are and what the records hold (absent in runs written before it). */
  readonly scores?: { readonly model: ScoreKind; readonly recorded: ScoreKind };
  /** Absent in run directories written before fingerprints existed. */
  readonly fingerprint?: RunFingerprint;
  /** --faithfulness: the metrics and their settings; absent without the flag. */
  readonly faithfulness?: FaithfulnessWork;
  /** The part of the dataset a `run --shard` took; absent for a whole run (and after `merge`). */
  readonly shard?: ShardRecord;
}

/** The flags a run configuration is made from. */
export interface RunConfigFlags extends ModelFlags, CamFlags, LocalizeFlags {
  readonly limit?: number;
  readonly split?: string;
}

/** The configuration of a run about to start, fingerprint included (the model file is hashed). */
export async function buildRunConfig(input: {
  readonly flags: RunConfigFlags;
  readonly dataset: Dataset;
  readonly protocol: EvaluationProtocol;
  readonly boxes: BoxMode;
  readonly normalization: Normalization;
  readonly preprocess: PreprocessOverrides;
  readonly model: CamModel;
  readonly presetChoice?: PresetChoice;
  readonly faithfulness?: FaithfulnessWork;
}): Promise<RunConfig> {
  const { flags, dataset, protocol, boxes, normalization, preprocess, model, faithfulness } = input;
  const compat = flags.compat === 'paper' ? {} : { compat: flags.compat };
  const boxAccuracy = { multiContour: protocol.multiContour, iouLevels: protocol.iouThresholds };
  const labels = flags.labels ? resolve(flags.labels) : null;
  const [modelSha256, labelsSha256] = await Promise.all([
    sha256File(flags.model),
    labels === null ? null : sha256File(labels),
  ]);
  return {
    command: 'run',
    dataset: dataset.root,
    format: dataset.format,
    model: resolve(flags.model),
    labels,
    protocol: protocol.name,
    method: flags.method,
    ...compat,
    target: flags.target,
    normalization,
    threshold: flags.threshold,
    boxes,
    boxAccuracy,
    connectivity: Number(flags.connectivity),
    minArea: flags.minArea,
    device: flags.device,
    batch: batchFor(flags, model.provider),
    workers: flags.workers ?? null,
    camInGraph: model.deviceCamRequest !== undefined,
    limit: flags.limit ?? null,
    preprocess,
    preprocessFlags: {
      preset: flags.preset,
      resize: flags.resize,
      resizeMode: flags.resizeMode,
      crop: flags.crop,
      mean: flags.mean,
      std: flags.std,
      channelOrder: flags.channelOrder,
      scale: flags.scale,
      interpolation: flags.interpolation,
    },
    preprocessRan: preprocessRan(model, flags, {
      protocol: protocol.resize === 'preset' ? undefined : protocol.name,
      choice: input.presetChoice,
    }),
    head: {
      featureTensor: flags.featureTensor ?? null,
      classifierWeights: flags.classifierWeights ?? null,
      classifierBias: flags.classifierBias ?? null,
      tokenGrid: flags.tokenGrid ?? null,
      skipTokens: flags.skipTokens ?? null,
    },
    provider: model.provider,
    scores: {
      model: model.scoreKind,
      recorded: flags.scores === 'probability' ? 'probability' : model.scoreKind,
    },
    ...(faithfulness === undefined ? {} : { faithfulness }),
    fingerprint: {
      modelSha256,
      labelsSha256,
      preprocess: model.preprocessConfig,
      resizeEngine: flags.resizeEngine ?? 'pil',
      method: flags.method,
      ...compat,
      target: flags.target,
      normalization,
      threshold: canonicalThreshold(flags.threshold),
      boxes,
      connectivity: Number(flags.connectivity),
      minArea: flags.minArea,
      scoreCamChannels: flags.scoreCamChannels ?? null,
      ...(flags.scores === 'probability' ? { scores: 'probability' as const } : {}),
      ...tokenFingerprint(model),
      ...layerFingerprint(model),
      ...(flags.camSamples === undefined ? {} : { camSamples: flags.camSamples }),
      ...(flags.camSigma === undefined ? {} : { camSigma: flags.camSigma }),
      protocol: protocol.name,
      boxAccuracy,
      dataset: dataset.root,
      format: dataset.format,
      split: flags.split ?? null,
      annotationsSha256: annotationsDigest(dataset),
      ...(faithfulness === undefined ? {} : { faithfulness }),
    },
  };
}

/** The layer the backward graph differentiates, so a resume refuses another layer. */
function layerFingerprint(model: CamModel): Pick<RunFingerprint, 'layer'> {
  if (!model.hasBackprop) return {};
  const [, h, w] = model.featureShape;
  return { layer: { tensor: model.head.featureTensor, kind: model.head.kind, grid: `${h}x${w}` } };
}

/** The token layout the model resolved (detected or given), so a resume refuses a changed one. */
function tokenFingerprint(model: CamModel): Pick<RunFingerprint, 'tokens'> {
  const tokens = model.head.tokens;
  if (tokens === undefined) return {};
  const grid = `${tokens.gridHeight}x${tokens.gridWidth}`;
  return { tokens: { featureTensor: model.head.featureTensor, grid, skip: tokens.skip } };
}

type Check = (value: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const orNull =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v);

const SCORE_KINDS: readonly ScoreKind[] = ['logit', 'probability', 'log-probability'];
const LIBRARY_COMPATS = CAM_COMPATS.filter((c) => c !== 'paper');

/** The schema of config.json: per field, its check and what it must be (for the message). */
const SCHEMA: Record<string, readonly [Check, string, 'optional'?]> = {
  command: [oneOf('run'), '"run"'],
  dataset: [isString, 'a path'],
  format: [isString, 'a dataset format'],
  model: [isString, 'a path'],
  labels: [orNull(isString), 'a path or null'],
  protocol: [isString, 'a protocol name'],
  method: [
    (v) => typeof v === 'string' && (CAM_METHOD_NAMES as readonly string[]).includes(v),
    'a CAM method',
  ],
  compat: [oneOf(...LIBRARY_COMPATS), LIBRARY_COMPATS.join(' or '), 'optional'],
  target: [isString, 'a target'],
  normalization: [oneOf('relu-minmax', 'minmax', 'none'), 'relu-minmax, minmax or none'],
  threshold: [isString, 'a threshold spec'],
  boxes: [oneOf(...BOX_MODES), BOX_MODES.join(', ')],
  boxAccuracy: [
    (v) =>
      isObject(v) &&
      typeof (v as { multiContour?: unknown }).multiContour === 'boolean' &&
      Array.isArray((v as { iouLevels?: unknown }).iouLevels) &&
      (v as { iouLevels: unknown[] }).iouLevels.every(isNumber),
    '{ multiContour: boolean, iouLevels: number[] }',
  ],
  connectivity: [oneOf(4, 8), '4 or 8'],
  minArea: [isNumber, 'a number'],
  device: [isString, 'a device'],
  batch: [orNull(isNumber), 'a number or null'],
  limit: [orNull(isNumber), 'a number or null'],
  preprocess: [isObject, 'an object'],
  preprocessFlags: [isObject, 'an object'],
  preprocessRan: [isObject, 'an object', 'optional'],
  head: [isObject, 'an object'],
  provider: [isString, 'a provider name', 'optional'],
  scores: [
    (v) =>
      isObject(v) &&
      SCORE_KINDS.includes((v as { model?: unknown }).model as ScoreKind) &&
      SCORE_KINDS.includes((v as { recorded?: unknown }).recorded as ScoreKind),
    "the kind of the model's and the recorded scores (logit, probability, log-probability)",
    'optional',
  ],
  fingerprint: [isObject, 'an object', 'optional'],
  faithfulness: [
    (v) =>
      isObject(v) &&
      Array.isArray((v as { metrics?: unknown }).metrics) &&
      (v as { metrics: unknown[] }).metrics.every((m) =>
        FAITHFULNESS_METRIC_NAMES.some((name) => name === m),
      ) &&
      Number.isInteger((v as { steps?: unknown }).steps) &&
      ['zero', 'mean'].includes((v as { deletionBaseline?: unknown }).deletionBaseline as string) &&
      Number.isInteger((v as { seed?: unknown }).seed),
    '{ metrics: (avgdrop|deletion|insertion|road)[], steps, deletionBaseline: zero|mean, seed }',
    'optional',
  ],
  shard: [
    (v) =>
      isObject(v) &&
      ['index', 'count', 'datasetImages'].every((k) => Number.isInteger((v as Record<string, unknown>)[k])) &&
      typeof (v as { datasetIdsSha256?: unknown }).datasetIdsSha256 === 'string',
    '{ index, count, datasetImages, datasetIdsSha256 }',
    'optional',
  ],
};

/** Checks parsed config.json against the schema; a usage error names the file and the field. */
export function parseRunConfig(value: unknown, file: string): RunConfig {
  const hint = 'the run directory is damaged or was not written by `cam-localize run`';
  if (!isObject(value)) throw new UsageError(`${file}: not a run configuration`, { hint });
  const record = value as Record<string, unknown>;
  for (const [key, [check, what, optional]] of Object.entries(SCHEMA)) {
    if (record[key] === undefined && optional) continue;
    if (!check(record[key])) {
      throw new UsageError(
        `${file}: "${key}" must be ${what}, found ${JSON.stringify(record[key]) ?? 'nothing'}`,
        { hint },
      );
    }
  }
  return value as RunConfig;
}

/** The configuration of the run in `dir`, validated. */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const file = join(dir, 'config.json');
  let value: unknown;
  try {
    value = JSON.parse(await readRegularFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${dir} is not a run directory (${describeError(error)})`);
  }
  return parseRunConfig(value, file);
}

/** Each fingerprint field (dotted path to a JSON leaf) whose value differs, with the old and the new value. */
export function fingerprintDifferences(
  previous: object,
  current: object,
): { field: string; previous: string; current: string }[] {
  const before = flatten(previous);
  const now = flatten(current);
  const fields = [...new Set([...before.keys(), ...now.keys()])];
  return fields
    .filter((field) => before.get(field) !== now.get(field))
    .map((field) => ({
      field,
      previous: before.get(field) ?? 'unset',
      current: now.get(field) ?? 'unset',
    }));
}

/**
 * The `checkResume` of a run: refuses (usage error) to resume a directory written with another
 * fingerprint, naming every differing field.
 */
export function assertSameRun(previousConfig: unknown, current: RunConfig, dir: string): void {
  const previous = parseRunConfig(previousConfig, join(dir, 'config.json'));
  assertSameShard(previous.shard, current.shard, dir);
  if (previous.fingerprint === undefined || current.fingerprint === undefined) {
    process.stderr.write(
      `run: ${dir} was written before run fingerprints; resuming without checking its configuration\n`,
    );
    return;
  }
  const { annotationsSha256: _, ...withoutAnnotations } = current.fingerprint;
  const before = previous.fingerprint.annotationsSha256;
  if (before === undefined) {
    process.stderr.write(
      `run: ${dir} was written before annotation digests; resuming without checking its ground truth\n`,
    );
  } else if (before !== current.fingerprint.annotationsSha256) {
    throw new UsageError(
      `--resume: the annotations of ${current.dataset} changed since ${dir} was run ` +
        `(image ids, class labels, boxes or sizes; annotations sha256 ${before.slice(0, 12)} then, ` +
        `${current.fingerprint.annotationsSha256?.slice(0, 12)} now)`,
      {
        hint: 'records scored against other ground truth cannot be mixed: start again with --overwrite or another --out',
      },
    );
  }
  const differences = fingerprintDifferences(
    // Runs written before the canonical threshold kept it as typed: read it the same way.
    { ...previous.fingerprint, threshold: canonicalThreshold(previous.fingerprint.threshold) },
    before === undefined ? withoutAnnotations : current.fingerprint,
  );
  if (differences.length === 0) return;
  const list = differences.map((d) => `${d.field}: ${d.previous} then, ${d.current} now`).join('; ');
  throw new UsageError(`--resume: ${dir} was run with another configuration (${list})`, {
    hint: 'resume with the same model and settings, or start again with --overwrite or another --out',
  });
}

/** A threshold as `parseThreshold` reads it, spelt one way (`20%` and `0.2` are one setting). */
export function canonicalThreshold(text: string): string {
  try {
    return formatThreshold(parseThreshold(text));
  } catch {
    return text; // not a threshold (a damaged config): compared as it is
  }
}

/** Dotted paths to JSON leaf values. */
function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (isObject(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      flatten(inner, prefix === '' ? key : `${prefix}.${key}`, out);
    }
  } else if (value !== undefined) {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}
