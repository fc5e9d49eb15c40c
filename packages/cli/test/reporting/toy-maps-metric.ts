/**
 * A toy metric of scope 'maps', written the way CONTRIBUTING.md's "Add a metric" says: one
 * evaluator module and one row. "Peak in box": the share of images whose map peaks inside a
 * ground-truth box. Its state is plain JSON, so `eval --cams`'s worker threads can send it back.
 */
import type { FramedImage, MetricEvaluator, MetricRow } from '@cam-localize/eval';
import { METRICS } from '@cam-localize/eval';

interface PeakState {
  kind: 'peak-in-box';
  images: number;
  hits: number;
}

interface PeakResult {
  images: number;
  /** Percent of the images whose peak is in a box. */
  rate: number;
}

/** The evaluator: two counters. */
export class PeakInBoxEvaluator implements MetricEvaluator<number, PeakState, PeakResult> {
  private images = 0;
  private hits = 0;

  /** 1 when the map's first maximum lies in a ground-truth box (map frame), else 0; none without boxes. */
  observe(image: FramedImage): number | undefined {
    if (image.gtBoxesOfMap.length === 0) return undefined;
    const { width, data } = image.map;
    let peak = 0;
    for (let i = 1; i < data.length; i++) if (data[i]! > data[peak]!) peak = i;
    const x = peak % width;
    const y = Math.floor(peak / width);
    return image.gtBoxesOfMap.some((b) => x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1) ? 1 : 0;
  }

  accumulate(hit: number): void {
    this.images++;
    this.hits += hit;
  }

  state(): PeakState {
    return { kind: 'peak-in-box', images: this.images, hits: this.hits };
  }

  mergeState(state: PeakState): void {
    this.images += state.images;
    this.hits += state.hits;
  }

  compute(): PeakResult | undefined {
    return this.images === 0 ? undefined : { images: this.images, rate: (100 * this.hits) / this.images };
  }
}

/** Its row: scope 'maps', so `run` and `eval --cams` both compute it. */
export const PEAK_IN_BOX_METRIC: MetricRow<number, PeakState, PeakResult> = {
  name: 'peakInBox',
  recordKey: 'toyPeakInBox',
  scope: 'maps',
  create: () => new PeakInBoxEvaluator(),
  read: (record) => record.toyPeakInBox as number | undefined,
  json: (result) => ({ peakInBox: result ?? null }),
  summary: (metrics) => {
    const m = metrics.peakInBox as PeakResult | null | undefined;
    return m ? [`Peak in box ${m.rate.toFixed(2)}% of ${m.images} maps`] : [];
  },
  describe: (metrics) => {
    const m = metrics.peakInBox as PeakResult | null | undefined;
    return m ? [{ name: 'Peak in box', value: m.rate, unit: '%', note: 'maps that peak in a box' }] : [];
  },
};

/** The table with the toy row: the one line `METRICS` would get. */
export const TOY_MAPS_TABLE = [...METRICS, PEAK_IN_BOX_METRIC];
