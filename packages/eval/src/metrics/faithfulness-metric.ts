/**
 * The faithfulness metrics (`--faithfulness`) as one metric row: each image's results are computed
 * with forward passes (the CLI's faithfulness step) and kept in its record; the run's means are
 * replayed from the records. The report shows them in a section of their own, not as rows.
 */
import {
  FaithfulnessAccumulator,
  type FaithfulnessRecord,
  type FaithfulnessState,
  type FaithfulnessSummary,
} from '../faithfulness/aggregate.js';
import { faithfulnessRows } from '../report/faithfulness-section.js';
import type { MetricRow } from './evaluator.js';

export const FAITHFULNESS_METRIC: MetricRow<FaithfulnessRecord, FaithfulnessState, FaithfulnessSummary> = {
  name: 'faithfulness',
  recordKey: 'faithfulness',
  scope: 'images',
  optional: true,
  create: () => new FaithfulnessAccumulator(),
  read: (record) => record.faithfulness as FaithfulnessRecord | undefined,
  json: (summary) => ({ faithfulness: summary }),
  summary: (metrics) => {
    const summary = metrics.faithfulness as FaithfulnessSummary | undefined;
    if (!summary) return [];
    return faithfulnessRows(summary).map(
      ([name, value, better, images]) => `${name} ${value} (${better} is better, ${images} images)`,
    );
  },
  describe: () => [],
};
