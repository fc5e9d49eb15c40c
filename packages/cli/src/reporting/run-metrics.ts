/**
 * The metrics of a run as metrics.json holds them, and their rows in the report: one shape for
 * `run`, `report`, `merge` and `compare`. The metrics' fields come from eval's table of metrics
 * (`METRICS`); this names them for the CLI's readers.
 */
import {
  type BoxAccuracyJson,
  type FaithfulnessSummary,
  type LocalizationJson,
  METRICS,
  type MetricTable,
  type PxapJson,
  type ReportInput,
  reportRows,
} from '@cam-localize/eval';

export interface RunMetrics extends BoxAccuracyJson {
  readonly protocol: string;
  readonly images: { total: number; ok: number; failed: number; scored: number };
  /** Class-based rates are null when no scored image has a class the model knows (class-agnostic data). */
  readonly localization: LocalizationJson | null;
  readonly boxAccuracy: {
    thresholdInterval: number;
    multiContour: boolean;
    iouLevels: readonly number[];
  } | null;
  /** PxAP over the images with ground-truth masks (mask datasets), as `eval` computes it. */
  readonly pxap?: PxapJson['pxap'];
  /** Why PxAP is undefined although masks were scored. */
  readonly pxapError?: string;
  /** --faithfulness: the metrics' means over the images (predicted class). */
  readonly faithfulness?: FaithfulnessSummary;
  /** Ground truth the metrics could not use, counted once for the run. */
  readonly warnings: {
    /** Images that lacked a label, boxes or mask the rest of the dataset has: in no metric. */
    missingGroundTruth: { images: number; first: { id: string; missing: string[] }[] };
    /** Ground-truth boxes that reached outside their image and were clipped to it. */
    clippedBoxes: number;
    /** Degenerate ground-truth boxes, scored as given: of zero area, and wholly outside their image. */
    zeroAreaBoxes: number;
    outsideBoxes: number;
  };
}

/** What building a run's summary files gives back: its metrics and the files written. */
export interface Summary {
  readonly dir: string;
  readonly metrics: RunMetrics;
  readonly files: string[];
}

/** The report's rows: the run's images and protocol, then each metric's rows (eval's table). */
export function metricRows(m: RunMetrics, table: MetricTable = METRICS): ReportInput['metrics'] {
  return [
    { name: 'images', value: `${m.images.ok} ok, ${m.images.failed} failed, ${m.images.scored} with boxes` },
    { name: 'protocol', value: m.protocol },
    ...reportRows(m, table),
  ];
}
