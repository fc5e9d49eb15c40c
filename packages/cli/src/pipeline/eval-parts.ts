/**
 * Shards of `eval --cams`: each `eval --shard K/N --out part.json` keeps its evaluators' states
 * (eval's table of metrics: MaxBoxAcc hits per threshold and IoU level, PxAP histograms) beside
 * its metrics; `merge` adds the states of every part and computes the metrics once, so they are
 * the whole dataset's.
 */
import { describeError, UsageError } from '@cam-localize/core';
import { readRegularFile } from '@cam-localize/core/workers';
import {
  type CamProblemKind,
  METRICS,
  MetricSet,
  type MetricSettings,
  type MetricTable,
  WSOL_PROTOCOL,
} from '@cam-localize/eval';
import { thresholdGrid } from '@cam-localize/localize';
import { fingerprintDifferences } from './run-config.js';
import { writeJsonAtomic } from './run-dir.js';
import { idsDigest, type ShardRecord, shardOf } from './shard.js';

/** What an evaluation's numbers depend on: parts merge only when these are equal. */
export interface EvalSettings {
  readonly dataset: string;
  readonly format: string;
  readonly split: string | null;
  readonly cams: string;
  readonly boxes: 'all' | 'largest';
  readonly interval: number;
  readonly iouLevels: readonly number[];
  readonly size: number;
  readonly allowMissing: boolean;
}

/** The counts that add across shards. */
export interface EvalCounts {
  readonly protocol: string;
  readonly total: number;
  readonly scored: number;
  readonly problemCounts: Record<CamProblemKind, number>;
  readonly resized: number;
  readonly clippedBoxes: number;
  /** Degenerate ground-truth boxes (zero area; wholly outside the image): scored, and warned about. */
  readonly zeroAreaBoxes: number;
  readonly outsideBoxes: number;
  /** Scored maps that held a NaN or infinite value and were zeroed (wsolevaluation's rule). */
  readonly nonFiniteMaps: number;
  /** With --allow-missing: images whose map could not be used. */
  readonly leftOutMissingMaps?: number;
}

export type MissingGroundTruth = { images: number; first: { id: string; missing: string[] }[] };

/** What eval's evaluators are built with: wsolevaluation's protocol with the flags' grid, levels and contours. */
export function evalMetricSettings(
  settings: Pick<EvalSettings, 'boxes' | 'interval' | 'iouLevels'>,
): MetricSettings {
  return {
    protocol: {
      ...WSOL_PROTOCOL,
      thresholdInterval: settings.interval,
      iouThresholds: [...settings.iouLevels],
      multiContour: settings.boxes === 'all',
    },
    thresholds: thresholdGrid(settings.interval),
    command: 'eval',
  };
}

/** The metrics JSON of `eval`, from counts and the evaluators (the whole run's, or merged parts'). */
export function evalMetrics(
  counts: EvalCounts,
  evaluators: MetricSet,
  missingGroundTruth: MissingGroundTruth,
) {
  return {
    protocol: counts.protocol,
    images: {
      total: counts.total,
      scored: counts.scored,
      skipped: counts.total - counts.scored,
      ...(counts.leftOutMissingMaps === undefined ? {} : { leftOutMissingMaps: counts.leftOutMissingMaps }),
    },
    ...evaluators.json(),
    problems: counts.problemCounts,
    resized: counts.resized,
    warnings: {
      missingGroundTruth,
      clippedBoxes: counts.clippedBoxes,
      zeroAreaBoxes: counts.zeroAreaBoxes,
      outsideBoxes: counts.outsideBoxes,
      nonFiniteMaps: counts.nonFiniteMaps,
    },
  };
}

/**
 * A part file: a shard's metrics, and what `mergeEvalParts` needs to add it to the others: beside
 * these fields, each evaluator's state under its name (`boxAccuracy`, `pxap`; plain JSON).
 */
export type EvalPart = EvalPartFields & { readonly [evaluator: string]: unknown };

interface EvalPartFields {
  readonly kind: 'cam-localize eval part';
  readonly settings: EvalSettings;
  readonly shard: ShardRecord;
  /** The ids of this shard's images. */
  readonly ids: readonly string[];
  /** The whole dataset's ids, in dataset order, for `merge` to name the images of a missing part. */
  readonly datasetIds: readonly string[];
  readonly counts: EvalCounts;
  readonly missingGroundTruth: MissingGroundTruth;
  readonly metrics: unknown;
}

const PART_KIND = 'cam-localize eval part';

export function evalPart(input: Omit<EvalPartFields, 'kind'> & { evaluators: MetricSet }): EvalPart {
  const { evaluators, ...rest } = input;
  return { kind: PART_KIND, ...rest, ...evaluators.states() };
}

async function readPart(file: string): Promise<EvalPart> {
  let part: EvalPart;
  try {
    part = JSON.parse(await readRegularFile(file, 'utf8')) as EvalPart;
  } catch (error) {
    throw new UsageError(`merge: cannot read ${file} (${describeError(error)})`);
  }
  if (part?.kind !== PART_KIND || typeof part.shard?.index !== 'number' || !Array.isArray(part.ids)) {
    throw new UsageError(`merge: ${file} is not a part of \`eval --shard K/N --out <file>\``);
  }
  return part;
}

/**
 * Adds the parts of one evaluation (same settings, same dataset, each shard once, none missing)
 * and writes the whole dataset's metrics to `out`; usage errors name what differs or is missing.
 */
export async function mergeEvalParts(
  files: readonly string[],
  out: string,
  table: MetricTable = METRICS,
): Promise<ReturnType<typeof evalMetrics>> {
  const parts = await Promise.all(files.map(readPart));
  const first = parts[0]!;
  const problems: string[] = [];
  for (const [i, part] of parts.entries()) {
    for (const d of fingerprintDifferences(first.settings, part.settings)) {
      problems.push(`${d.field}: ${d.previous} in ${files[0]}, ${d.current} in ${files[i]}`);
    }
    if (
      part.shard.count !== first.shard.count ||
      part.shard.datasetIdsSha256 !== first.shard.datasetIdsSha256
    ) {
      problems.push(
        `dataset or shard count: ${first.shard.datasetImages} images in ${first.shard.count} shards in ${files[0]}, ` +
          `${part.shard.datasetImages} images in ${part.shard.count} shards in ${files[i]}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new UsageError(`merge: the parts are not of one evaluation: ${problems.join('; ')}`);
  }
  const count = first.shard.count;
  const byIndex = new Map<number, string[]>();
  for (const [i, part] of parts.entries())
    byIndex.set(part.shard.index, [...(byIndex.get(part.shard.index) ?? []), files[i]!]);
  const seen = new Set<string>();
  const doubled = new Set<string>();
  for (const part of parts) for (const id of part.ids) (seen.has(id) ? doubled : seen).add(id);
  for (const [index, list] of byIndex) {
    if (list.length > 1)
      problems.push(`shard ${index}/${count} is given ${list.length} times (${list.join(', ')})`);
  }
  if (doubled.size > 0) {
    const named = [...doubled];
    problems.push(
      `${named.length} images counted more than once: ${named.slice(0, 10).join(', ')}${named.length > 10 ? ', ...' : ''}`,
    );
  }
  const absent = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  if (absent.length > 0) {
    const datasetIds = first.datasetIds;
    if (!Array.isArray(datasetIds) || idsDigest(datasetIds) !== first.shard.datasetIdsSha256) {
      throw new UsageError(`merge: ${files[0]}: its dataset ids do not match its digest (a damaged part)`);
    }
    const missing = datasetIds.filter((id) => absent.includes(shardOf(id, count)));
    problems.push(
      `${missing.length} of ${first.shard.datasetImages} images in no part: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''} (not given: shard ${absent.map((i) => `${i}/${count}`).join(', ')})`,
    );
  }
  if (problems.length > 0) {
    throw new UsageError(`merge: the parts do not cover the dataset exactly once: ${problems.join('; ')}`);
  }
  const evaluators = new MetricSet(evalMetricSettings(first.settings), { table });
  for (const [i, part] of parts.entries()) evaluators.mergeStates(part, `merge: ${files[i]}`);
  const sum = (pick: (c: EvalCounts) => number) =>
    parts.reduce((total, part) => total + pick(part.counts), 0);
  const problemCounts = { ...first.counts.problemCounts };
  for (const part of parts.slice(1)) {
    for (const [kind, n] of Object.entries(part.counts.problemCounts))
      problemCounts[kind as CamProblemKind] += n;
  }
  const counts: EvalCounts = {
    protocol: first.counts.protocol,
    total: sum((c) => c.total),
    scored: sum((c) => c.scored),
    problemCounts,
    resized: sum((c) => c.resized),
    clippedBoxes: sum((c) => c.clippedBoxes),
    // Parts written before these counts existed hold none.
    zeroAreaBoxes: sum((c) => c.zeroAreaBoxes ?? 0),
    outsideBoxes: sum((c) => c.outsideBoxes ?? 0),
    nonFiniteMaps: sum((c) => c.nonFiniteMaps ?? 0),
    ...(first.counts.leftOutMissingMaps === undefined
      ? {}
      : { leftOutMissingMaps: sum((c) => c.leftOutMissingMaps ?? 0) }),
  };
  // Ground truth missing is checked over the whole dataset before the split: every part holds the same.
  const metrics = evalMetrics(counts, evaluators, first.missingGroundTruth);
  await writeJsonAtomic(out, metrics);
  return metrics;
}
