/**
 * A toy metric, written the way CONTRIBUTING.md's "Add a metric" says: one evaluator module and
 * one row. "Box found": the share of scored images whose judged map gives at least one box.
 */
import { UsageError } from '@cam-localize/core';
import type { FramedImage, MetricEvaluator, MetricRow } from '@cam-localize/eval';

interface BoxFoundState {
  kind: 'box-found';
  images: number;
  found: number;
}

interface BoxFoundResult {
  images: number;
  /** Percent of the images with a box. */
  rate: number;
}

/** The evaluator: two counters. */
export class BoxFoundEvaluator implements MetricEvaluator<number, BoxFoundState, BoxFoundResult> {
  private images = 0;
  private found = 0;

  /** What one image of a run adds: 1 when its map gives a box, else 0 (none without ground truth). */
  observe(image: FramedImage): number | undefined {
    if (image.gtBoxes.length === 0) return undefined;
    return image.boxes.length > 0 ? 1 : 0;
  }

  accumulate(found: number): void {
    if (found !== 0 && found !== 1) throw new UsageError(`"toyBoxFound" must be 0 or 1, found ${found}`);
    this.images++;
    this.found += found;
  }

  state(): BoxFoundState {
    return { kind: 'box-found', images: this.images, found: this.found };
  }

  mergeState(state: BoxFoundState): void {
    this.images += state.images;
    this.found += state.found;
  }

  compute(): BoxFoundResult | undefined {
    return this.images === 0 ? undefined : { images: this.images, rate: (100 * this.found) / this.images };
  }
}

/** Its row: where its figures go (metrics.json, the summary line, the report's rows). */
export const BOX_FOUND_METRIC: MetricRow<number, BoxFoundState, BoxFoundResult> = {
  name: 'boxFound',
  recordKey: 'toyBoxFound',
  scope: 'images',
  create: () => new BoxFoundEvaluator(),
  read: (record) => record.toyBoxFound as number | undefined,
  json: (result) => ({ boxFound: result ?? null }),
  summary: (metrics) => {
    const m = metrics.boxFound as BoxFoundResult | null | undefined;
    return m ? [`Box found ${m.rate.toFixed(2)}% of ${m.images} images`] : [];
  },
  describe: (metrics) => {
    const m = metrics.boxFound as BoxFoundResult | null | undefined;
    return m ? [{ name: 'Box found', value: m.rate, unit: '%', note: 'images whose map gives a box' }] : [];
  },
};
