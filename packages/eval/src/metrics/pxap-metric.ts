/**
 * PxAP as a metric row. In `run`, each image with a ground-truth mask is read as `eval` reads it
 * (`readGroundTruthMask`, in the frame of the map) and its map's pixel histograms are kept in its
 * record (`pxap`), sparsely, then replayed into a `PxapEvaluator` like every other metric.
 */
import type { DatasetItem } from '../datasets/types.js';
import { PxapEvaluator, type PxapResult, type PxapState } from '../evaluators/pxap.js';
import { groundTruthLabels, readGroundTruthMask } from '../masks.js';
import type { FramedImage, MetricEvaluator, MetricRow, MetricSettings } from './evaluator.js';
import { percent } from './evaluator.js';
import { plainState, typedState } from './plain-state.js';

/** One image's PxAP histograms: flat [bin, count, bin, count, ...] over the non-empty bins. */
export interface PxapRecord {
  readonly fg: number[];
  readonly bg: number[];
}

/** PxAP, or why it is not defined although masks were scored (no foreground pixel at all, ...). */
export type PxapOutcome = { readonly result: PxapResult } | { readonly error: string };

/** metrics.json's PxAP fields. */
export type PxapJson = {
  pxap: { pxap: number; images: number } | null;
  pxapError?: string;
};

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

/**
 * The histograms of `map` (normalised, in the evaluation frame) over the item's mask (`labels`,
 * when the caller has read it already).
 */
export async function pxapOfImage(
  map: { readonly width: number; readonly height: number; readonly data: ArrayLike<number> },
  item: DatasetItem,
  thresholds: ArrayLike<number>,
  labels?: Uint8Array,
): Promise<PxapRecord> {
  const one = new PxapEvaluator({ thresholds });
  one.accumulate(
    map,
    labels ?? groundTruthLabels(await readGroundTruthMask(item, { width: map.width, height: map.height })),
  );
  const state = one.state();
  return { fg: sparse(state.trueHist), bg: sparse(state.falseHist) };
}

const TYPED_FIELDS = ['thresholds', 'trueHist', 'falseHist'] as const;

class PxapMetric implements MetricEvaluator<PxapRecord, Record<string, unknown>, PxapOutcome> {
  readonly evaluator: PxapEvaluator;

  constructor(settings: MetricSettings) {
    this.evaluator = new PxapEvaluator({ thresholds: settings.thresholds });
  }

  /** PxAP scores the same map as MaxBoxAcc, against the mask read as `eval` reads it. */
  async observe(image: FramedImage): Promise<PxapRecord | undefined> {
    if (image.item.mask === undefined) return undefined;
    const { width, height } = image.map;
    return pxapOfImage(
      { width, height, data: image.values ?? image.map.data },
      image.item,
      this.evaluator.thresholds,
      image.maskLabels,
    );
  }

  accumulate(record: PxapRecord): void {
    const bins = this.evaluator.thresholds.length + 2;
    this.evaluator.mergeState({
      kind: 'pxap',
      thresholds: this.evaluator.thresholds,
      trueHist: dense(record.fg, bins),
      falseHist: dense(record.bg, bins),
      count: 1,
    });
  }

  state(): Record<string, unknown> {
    return plainState(this.evaluator.state());
  }

  mergeState(state: Record<string, unknown> | PxapState): void {
    this.evaluator.mergeState(typedState<PxapState>(state, TYPED_FIELDS));
  }

  compute(): PxapOutcome | undefined {
    if (this.evaluator.imageCount === 0) return undefined;
    try {
      return { result: this.evaluator.compute() };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }
}

export const PXAP_METRIC: MetricRow<PxapRecord, Record<string, unknown>, PxapOutcome> = {
  name: 'pxap',
  recordKey: 'pxap',
  scope: 'maps',
  headline: true,
  create: (settings) => new PxapMetric(settings),
  read: (record) => record.pxap as PxapRecord | undefined,
  json: (outcome): PxapJson => {
    if (outcome === undefined) return { pxap: null };
    if ('error' in outcome) return { pxap: null, pxapError: outcome.error };
    return { pxap: { pxap: outcome.result.pxap, images: outcome.result.count } };
  },
  summary: (metrics) => {
    const m = metrics as unknown as PxapJson;
    return [
      ...(m.pxap ? [`PxAP ${percent(m.pxap.pxap)} over ${m.pxap.images} masks`] : []),
      ...(m.pxapError ? [`PxAP not defined: ${m.pxapError}`] : []),
    ];
  },
  describe: (metrics) => {
    const m = metrics as unknown as PxapJson;
    return m.pxap
      ? [{ name: 'PxAP', value: m.pxap.pxap, unit: '%', note: `over ${m.pxap.images} masks` }]
      : [];
  },
};
