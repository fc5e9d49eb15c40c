/**
 * The configuration of a `run`, as config.json holds it (defined once in run-config-schema.ts):
 * built here, read back by `run --resume` and `report`. Its fingerprint pins everything a record depends on (the
 * model file's bytes, the resolved preprocessing, the CAM and box settings, the protocol, the
 * dataset, its reader and the digest of its annotations, the labels file), so a resume can refuse
 * to mix results made another way.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type CamModel,
  describeError,
  type Normalization,
  type PreprocessOverrides,
  UsageError,
} from '@cam-localize/core';
import { readRegularFile } from '@cam-localize/core/workers';
import type { Dataset, EvaluationProtocol } from '@cam-localize/eval';
import { type BoxMode, formatThreshold, parseThreshold } from '@cam-localize/localize';
import { batchFor, type CamFlags, type LocalizeFlags, type ModelFlags } from '../options.js';
import { annotationsDigest } from './annotations-digest.js';
import type { FaithfulnessWork } from './faithfulness-step.js';
import { preprocessRan } from './preprocess-provenance.js';
import type { PresetChoice } from './preset-choice.js';
import { parseRunConfig, type RunConfig } from './run-config-schema.js';
import type { RunFingerprint } from './run-fingerprint.js';
import { assertSameShard } from './shard.js';

export { parseRunConfig, RUN_CONFIG_FIELDS, type RunConfig } from './run-config-schema.js';
export type { RunFingerprint } from './run-fingerprint.js';
export type { BoxMode };

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
    connectivity: Number(flags.connectivity) === 4 ? 4 : 8,
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
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
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
