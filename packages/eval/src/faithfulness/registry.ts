/** The faithfulness metrics by name: the one table the CLI's `--faithfulness` list is checked against. */
import { type CamCompat, UsageError } from '@cam-localize/core';
import { AverageDrop } from './average-drop.js';
import { Deletion, type DeletionBaseline } from './deletion.js';
import { Insertion } from './insertion.js';
import { Road } from './road.js';
import type { FaithfulnessMetric } from './types.js';

export interface FaithfulnessSettings {
  /** Steps of the deletion and insertion curves (default 20). */
  readonly steps?: number;
  /** What deleted pixels become (default 'zero'). */
  readonly deletionBaseline?: DeletionBaseline;
  /** Seed of ROAD's imputation noise (default 0). */
  readonly seed?: number;
  /** `--compat`: `pytorch-grad-cam` gives Average Drop in its DropInConfidence form, max(0, Y - O). */
  readonly compat?: CamCompat;
}

export const FAITHFULNESS_METRICS = {
  avgdrop: {
    paper: 'Chattopadhay et al., WACV 2018',
    summary: 'Average Drop and Increase in Confidence of the image times the map',
    create: (s: FaithfulnessSettings) => new AverageDrop(s.compat === undefined ? {} : { compat: s.compat }),
  },
  deletion: {
    paper: 'Petsiuk et al., BMVC 2018',
    summary: 'area under the class probability as pixels are deleted in order of the map',
    create: (s: FaithfulnessSettings) =>
      new Deletion({
        ...(s.steps === undefined ? {} : { steps: s.steps }),
        ...(s.deletionBaseline === undefined ? {} : { baseline: s.deletionBaseline }),
      }),
  },
  insertion: {
    paper: 'Petsiuk et al., BMVC 2018',
    summary: 'area under the class probability as pixels are inserted into a blurred image',
    create: (s: FaithfulnessSettings) => new Insertion(s.steps === undefined ? {} : { steps: s.steps }),
  },
  road: {
    paper: 'Rong et al., ICML 2022',
    summary: 'class probability after removing 10..90% of pixels, most/least relevant first, imputed',
    create: (s: FaithfulnessSettings) => new Road(s.seed === undefined ? {} : { seed: s.seed }),
  },
} as const;

export type FaithfulnessMetricName = keyof typeof FAITHFULNESS_METRICS;

export const FAITHFULNESS_METRIC_NAMES = Object.keys(FAITHFULNESS_METRICS) as FaithfulnessMetricName[];

/** Parses a comma-separated list of metric names (duplicates dropped, table order kept). */
export function parseFaithfulnessList(list: string): FaithfulnessMetricName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!(name in FAITHFULNESS_METRICS)) {
      throw new UsageError(
        `unknown faithfulness metric '${name}' (known: ${FAITHFULNESS_METRIC_NAMES.join(', ')})`,
      );
    }
  }
  if (names.length === 0) throw new UsageError('the faithfulness list names no metric');
  return FAITHFULNESS_METRIC_NAMES.filter((n) => names.includes(n));
}

/** The metric objects of some names. */
export function createFaithfulnessMetrics(
  names: readonly FaithfulnessMetricName[],
  settings: FaithfulnessSettings = {},
): FaithfulnessMetric[] {
  return names.map((name) => FAITHFULNESS_METRICS[name].create(settings));
}
