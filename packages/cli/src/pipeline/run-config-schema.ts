/**
 * config.json of a run, defined once: each field's check, what the message says it must be, and
 * whether it may be absent. The `RunConfig` type is derived from this table, so the type, the
 * validator and the schema cannot disagree (issue 30, item 3). The fingerprint, which pins what
 * the records depend on, is its own type (run-fingerprint.ts): canonical values and hashes, not
 * the settings as typed.
 */
import {
  CAM_COMPATS,
  CAM_METHOD_NAMES,
  type CamCompat,
  type CamMethodName,
  type Normalization,
  type PreprocessOverrides,
  type ScoreKind,
  UsageError,
} from '@cam-localize/core';
import { FAITHFULNESS_METRIC_NAMES } from '@cam-localize/eval';
import { BOX_MODES, type BoxMode } from '@cam-localize/localize';
import type { FaithfulnessWork } from './faithfulness-step.js';
import type { PreprocessRan } from './preprocess-provenance.js';
import type { RunFingerprint } from './run-fingerprint.js';
import type { ShardRecord } from './shard.js';

/** A check that tells the type of what it accepts. */
type Guard<T> = (value: unknown) => value is T;

interface Field<T> {
  readonly check: Guard<T>;
  /** What the value must be, for the message. */
  readonly what: string;
  /** May be absent (fields added after runs were first written). */
  readonly optional?: true;
}

const required = <T>(check: Guard<T>, what: string): Field<T> => ({ check, what });
const optional = <T>(check: Guard<T>, what: string): Field<T> & { readonly optional: true } => ({
  check,
  what,
  optional: true,
});

const isString: Guard<string> = (v): v is string => typeof v === 'string';
const isNumber: Guard<number> = (v): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean: Guard<boolean> = (v): v is boolean => typeof v === 'boolean';
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** An object whose inner fields its writer guarantees (config.json is written by this tool). */
const isObjectOf = <T>(): Guard<T> => isRecord as unknown as Guard<T>;
const orNull =
  <T>(check: Guard<T>): Guard<T | null> =>
  (v): v is T | null =>
    v === null || check(v);
const oneOf =
  <const T extends readonly unknown[]>(...values: T): Guard<T[number]> =>
  (v): v is T[number] =>
    values.includes(v);

const SCORE_KINDS = ['logit', 'probability', 'log-probability'] as const satisfies readonly ScoreKind[];
const LIBRARY_COMPATS = CAM_COMPATS.filter((c) => c !== 'paper');

const isBoxAccuracy = (v: unknown): v is RunConfigBoxAccuracy =>
  isRecord(v) && isBoolean(v.multiContour) && Array.isArray(v.iouLevels) && v.iouLevels.every(isNumber);
const isScores = (v: unknown): v is { readonly model: ScoreKind; readonly recorded: ScoreKind } =>
  isRecord(v) && oneOf(...SCORE_KINDS)(v.model) && oneOf(...SCORE_KINDS)(v.recorded);
const isFaithfulness = (v: unknown): v is FaithfulnessWork =>
  isRecord(v) &&
  Array.isArray(v.metrics) &&
  v.metrics.every((m) => FAITHFULNESS_METRIC_NAMES.some((name) => name === m)) &&
  Number.isInteger(v.steps) &&
  oneOf('zero', 'mean')(v.deletionBaseline) &&
  Number.isInteger(v.seed);
const isShard = (v: unknown): v is ShardRecord =>
  isRecord(v) &&
  ['index', 'count', 'datasetImages'].every((k) => Number.isInteger(v[k])) &&
  isString(v.datasetIdsSha256);

interface RunConfigBoxAccuracy {
  readonly multiContour: boolean;
  readonly iouLevels: readonly number[];
}

/** The head flags as given. */
interface RunConfigHead {
  readonly featureTensor: string | null;
  readonly classifierWeights: string | null;
  readonly classifierBias: string | null;
  /** --token-grid and --skip-tokens as given (absent in runs written before them). */
  readonly tokenGrid?: string | null;
  readonly skipTokens?: number | null;
}

/** config.json, field by field, in the order `run` writes them. */
export const RUN_CONFIG_FIELDS = {
  command: required(oneOf('run'), '"run"'),
  dataset: required(isString, 'a path'),
  format: required(isString, 'a dataset format'),
  model: required(isString, 'a path'),
  labels: required(orNull(isString), 'a path or null'),
  protocol: required(isString, 'a protocol name'),
  method: required(
    (v): v is CamMethodName => typeof v === 'string' && (CAM_METHOD_NAMES as readonly string[]).includes(v),
    'a CAM method',
  ),
  /** --compat when not `paper` (absent: paper, as in runs written before the flag). */
  compat: optional((v): v is CamCompat => LIBRARY_COMPATS.some((c) => c === v), LIBRARY_COMPATS.join(' or ')),
  target: required(isString, 'a target'),
  normalization: required(
    oneOf('relu-minmax', 'minmax', 'none') as Guard<Normalization>,
    'relu-minmax, minmax or none',
  ),
  threshold: required(isString, 'a threshold spec'),
  boxes: required(oneOf(...BOX_MODES) as Guard<BoxMode>, BOX_MODES.join(', ')),
  boxAccuracy: required(isBoxAccuracy, '{ multiContour: boolean, iouLevels: number[] }'),
  connectivity: required(oneOf(4, 8), '4 or 8'),
  minArea: required(isNumber, 'a number'),
  device: required(isString, 'a device'),
  batch: required(orNull(isNumber), 'a number or null'),
  /** --workers as given (null: the default). */
  workers: optional(orNull(isNumber), 'a number or null'),
  /** Whether the CAMs were computed in the model graph (--cam-on-device). */
  camInGraph: optional(isBoolean, 'true or false'),
  limit: required(orNull(isNumber), 'a number or null'),
  /** The preprocessing overrides the run passed to the model. */
  preprocess: required(isObjectOf<PreprocessOverrides>(), 'an object'),
  /** The preprocessing flags as typed. */
  preprocessFlags: required(isObjectOf<Readonly<Record<string, string | undefined>>>(), 'an object'),
  /** The preprocessing that ran, and where each value came from (absent in runs written before it). */
  preprocessRan: optional(isObjectOf<PreprocessRan>(), 'an object'),
  head: required(isObjectOf<RunConfigHead>(), 'an object'),
  provider: optional(isString, 'a provider name'),
  /** What the model's class scores are and what the records hold (absent in runs written before it). */
  scores: optional(
    isScores,
    "the kind of the model's and the recorded scores (logit, probability, log-probability)",
  ),
  /** Absent in run directories written before fingerprints existed. */
  fingerprint: optional(isObjectOf<RunFingerprint>(), 'an object'),
  /** --faithfulness: the metrics and their settings; absent without the flag. */
  faithfulness: optional(
    isFaithfulness,
    '{ metrics: (avgdrop|deletion|insertion|road)[], steps, deletionBaseline: zero|mean, seed }',
  ),
  /** The part of the dataset a `run --shard` took; absent for a whole run (and after `merge`). */
  shard: optional(isShard, '{ index, count, datasetImages, datasetIdsSha256 }'),
} as const;

type Fields = typeof RUN_CONFIG_FIELDS;
type ValueOf<F> = F extends Field<infer T> ? T : never;
type OptionalKey<K extends keyof Fields> = Fields[K] extends { readonly optional: true } ? K : never;
type RequiredKey<K extends keyof Fields> = Fields[K] extends { readonly optional: true } ? never : K;

/** config.json of a run directory, as RUN_CONFIG_FIELDS defines it. */
export type RunConfig = {
  readonly [K in keyof Fields as RequiredKey<K>]: ValueOf<Fields[K]>;
} & {
  readonly [K in keyof Fields as OptionalKey<K>]?: ValueOf<Fields[K]>;
};

/** Checks parsed config.json field by field; a usage error names the file and the field. */
export function parseRunConfig(value: unknown, file: string): RunConfig {
  const hint = 'the run directory is damaged or was not written by `cam-localize run`';
  if (!isRecord(value)) throw new UsageError(`${file}: not a run configuration`, { hint });
  for (const [key, field] of Object.entries(RUN_CONFIG_FIELDS) as [string, Field<unknown>][]) {
    if (value[key] === undefined && field.optional) continue;
    if (!field.check(value[key])) {
      throw new UsageError(
        `${file}: "${key}" must be ${field.what}, found ${JSON.stringify(value[key]) ?? 'nothing'}`,
        { hint },
      );
    }
  }
  return value as RunConfig;
}
