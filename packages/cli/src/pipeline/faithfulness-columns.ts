/** The per-image faithfulness columns of results.csv (present when the run has --faithfulness). */
import type { RunRecord } from './records.js';

export const FAITHFULNESS_COLUMNS = [
  'faith_class',
  'avgdrop_drop',
  'avgdrop_increase',
  'deletion_auc',
  'insertion_auc',
  'road_morf_mean',
  'road_lerf_mean',
] as const;

/** The record's cells in `FAITHFULNESS_COLUMNS` order; empty where a metric was not asked for. */
export function faithfulnessCells(record: RunRecord): (string | number)[] {
  const f = record.faithfulness;
  if (f === undefined) return FAITHFULNESS_COLUMNS.map(() => '');
  return [
    f.class,
    f.avgdrop?.drop ?? '',
    f.avgdrop === undefined ? '' : Number(f.avgdrop.increase),
    f.deletion?.auc ?? '',
    f.insertion?.auc ?? '',
    f.road?.morfMean ?? '',
    f.road?.lerfMean ?? '',
  ];
}
