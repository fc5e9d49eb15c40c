/**
 * The ground-truth check of `run` and `eval`: images that lack a class label, boxes or a mask the
 * rest of their dataset has are named (count and the first few) and stripped of their ground truth,
 * so they count in no metric; the command then exits 1 unless --allow-missing.
 */
import {
  checkGroundTruth,
  type DatasetItem,
  describeIncomplete,
  type GroundTruthCheck,
  stripIncomplete,
} from '@cam-localize/eval';

export interface CheckedItems {
  readonly items: DatasetItem[];
  readonly check: GroundTruthCheck;
}

/** Checks `items`, warns on stderr when some are incomplete, and strips those. */
export function checkedItems(
  items: readonly DatasetItem[],
  command: string,
  allowMissing: boolean,
): CheckedItems {
  const check = checkGroundTruth(items);
  if (check.incomplete.length > 0) {
    const consequence = allowMissing
      ? 'they count in no metric (--allow-missing)'
      : 'they count in no metric, and the command will exit 1 (pass --allow-missing to accept this)';
    process.stderr.write(`${command}: warning: ${describeIncomplete(check, items.length)}; ${consequence}\n`);
  }
  return { items: stripIncomplete(items, check), check };
}

/** The `missingGroundTruth` warning of metrics.json: how many images, and the first five. */
export function missingSummary(check: GroundTruthCheck): {
  images: number;
  first: { id: string; missing: string[] }[];
} {
  return { images: check.incomplete.length, first: check.incomplete.slice(0, 5) };
}
