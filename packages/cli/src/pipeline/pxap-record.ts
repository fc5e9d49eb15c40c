/**
 * PxAP in `run`: each image with a ground-truth mask is read as `eval` reads it (eval's
 * `readGroundTruthMask`, in the frame of the map) and its map's pixel histograms are kept in its
 * record, sparsely, so that the run's PxAP is replayed from results.jsonl like every other metric
 * (a resumed run counts each image once) with eval's own `PxapEvaluator`.
 */
import type { ScoreMap } from '@cam-localize/core';
import { type DatasetItem, groundTruthLabels, PxapEvaluator, readGroundTruthMask } from '@cam-localize/eval';

/** One image's PxAP histograms: flat [bin, count, bin, count, ...] over the non-empty bins. */
export interface PxapRecord {
  readonly fg: number[];
  readonly bg: number[];
}

function sparse(hist: Float64Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < hist.length; b++) if (hist[b]! > 0) out.push(b, hist[b]!);
  return out;
}

function dense(pairs: readonly number[], bins: number): Float64Array {
  const hist = new Float64Array(bins);
  for (let i = 0; i + 1 < pairs.length; i += 2) hist[pairs[i]!] = pairs[i + 1]!;
  return hist;
}

/** The histograms of `map` (normalised, in the evaluation frame) over the item's mask. */
export async function pxapOfImage(
  map: ScoreMap,
  item: DatasetItem,
  thresholds: ArrayLike<number>,
): Promise<PxapRecord> {
  const gt = await readGroundTruthMask(item, { width: map.width, height: map.height });
  const one = new PxapEvaluator({ thresholds });
  one.accumulate(map, groundTruthLabels(gt));
  const state = one.state();
  return { fg: sparse(state.trueHist), bg: sparse(state.falseHist) };
}

/** Adds a record's histograms to a run's evaluator. */
export function replayPxap(evaluator: PxapEvaluator, record: PxapRecord): void {
  const bins = evaluator.thresholds.length + 2;
  evaluator.mergeState({
    kind: 'pxap',
    thresholds: evaluator.thresholds,
    trueHist: dense(record.fg, bins),
    falseHist: dense(record.bg, bins),
    count: 1,
  });
}
