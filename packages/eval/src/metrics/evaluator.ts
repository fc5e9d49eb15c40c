/**
 * One evaluator interface, in the spirit of wsolevaluation's `LocalizationEvaluator`: an evaluator
 * `accumulate`s one image at a time, gives its counters as plain data (`state`) and adds another's
 * (`mergeState`), so the parts of a sharded run combine to exactly what one run computes, and
 * `compute`s its figures at the end. A `MetricRow` puts such an evaluator in every output: what an
 * image of `run` adds to its record, metrics.json, the summary line and the report's rows
 * (`describe`). The rows are listed once, in `METRICS` (table.ts).
 */
import type { Box } from '@cam-localize/core';
import type { DatasetItem } from '../datasets/types.js';
import type { EvaluationProtocol } from '../evaluation-protocol.js';
import type { ReportMetric } from '../report/types.js';

export interface Evaluator<Observation, State, Result> {
  /** Adds one image, as the row reads it from its record (see `MetricRow.read`). */
  accumulate(observation: Observation): void;
  /** The counters and settings as plain JSON data (what a shard's part keeps). */
  state(): State;
  /** Adds the counters of another evaluator of the same settings. */
  mergeState(state: State): void;
  /** The figures so far; undefined when no image counted. */
  compute(): Result | undefined;
}

/** An evaluator that also measures one image of `run` itself (in a pipeline worker). */
export interface MetricEvaluator<Observation, State, Result> extends Evaluator<Observation, State, Result> {
  /**
   * What the image adds, as plain data: its record keeps it under the row's `recordKey`, and the
   * run's figures are replayed from the records (a resumed run counts every image once).
   * undefined: the image adds nothing (no ground truth of the kind the metric needs).
   */
  observe?(image: FramedImage): unknown | Promise<unknown>;
}

/** A score map's values in the evaluation frame, row-major. */
export interface FrameMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array | Float64Array;
}

/**
 * One image in the evaluation frame (eval's `protocol-frame.ts`), as the evaluators see it. `run`
 * gives every field. `eval --cams` scores saved maps, with no model and no chosen threshold: there
 * `map` holds the float64 values wsolevaluation scores, `boxes` and `predictedBoxes` are empty,
 * `gtClass` is -1 and `ranked` is empty, so a row of scope 'maps' reads only `item`, `gtBoxes`,
 * `map`, `values`, `gtBoxesOfMap` and `maskLabels`.
 */
export interface FramedImage {
  readonly item: DatasetItem;
  /** Ground-truth boxes in the frame localization is scored in (empty: the image has none). */
  readonly gtBoxes: readonly Box[];
  /**
   * The map judged (the ground-truth class's CAM, else the top-1's), normalised, in the evaluation
   * frame: float32 in `run`, the float64 values in `eval --cams`.
   */
  readonly map: FrameMap;
  /**
   * The map's values before float32 rounding, where the protocol normalises in float64
   * (wsolevaluation): what `eval --cams` scores from the saved map, so PxAP reads these.
   */
  readonly values?: ArrayLike<number>;
  /** Ground-truth boxes in the map's frame. */
  readonly gtBoxesOfMap: readonly Box[];
  /**
   * The item's ground-truth mask as labels in the map's frame, where the caller has read it
   * (`eval --cams` reads it once, with its mask loader, and reports a bad mask file as a problem of
   * the image; the item then comes without its mask). Absent: a metric reads `item.mask` itself.
   */
  readonly maskLabels?: Uint8Array;
  /** The judged map's boxes at the chosen threshold, in the localization frame. */
  readonly boxes: readonly Box[];
  /** The top-1 class's boxes, in the same frame. */
  readonly predictedBoxes: readonly Box[];
  /** Ground-truth class index; -1 when the model does not know it. */
  readonly gtClass: number;
  /** Class indices ranked by score, best first. */
  readonly ranked: readonly number[];
}

/** What every evaluator is built with. */
export interface MetricSettings {
  /** The protocol (IoU convention, threshold grid spacing, IoU levels, contours). */
  readonly protocol: EvaluationProtocol;
  /** The CAM-threshold grid of `protocol.thresholdInterval`. */
  readonly thresholds: Float64Array;
  /** Whose metrics.json: `eval` (score maps read from files) names the images each figure counts. */
  readonly command: 'run' | 'eval';
}

/** A line of results.jsonl, or metrics.json, as rows read them. */
export type JsonObject = Readonly<Record<string, unknown>>;

export interface MetricRow<Observation = unknown, State = unknown, Result = unknown> {
  /** The evaluator's name: its key among the states of an `eval` part. */
  readonly name: string;
  /** Where a `run` record keeps what `observe` gave (the row's `read` takes it back). */
  readonly recordKey?: string;
  /**
   * What it needs: 'maps' (score maps and ground truth: `run` and `eval --cams`, whose worker
   * threads build the row's evaluator from the table module, `observe` and `accumulate` each map
   * and send `state()` back, so the state must be plain JSON) or 'images' (`run` only: classes,
   * forward passes).
   */
  readonly scope: 'maps' | 'images';
  /** Computed only when asked for by name (`--faithfulness`). */
  readonly optional?: boolean;
  /** The protocol's threshold-free figures: listed first among the report's rows. */
  readonly headline?: boolean;
  create(settings: MetricSettings): MetricEvaluator<Observation, State, Result>;
  /** The image's observation from its record, or undefined when the record holds none. */
  read(record: JsonObject): Observation | undefined;
  /** Its fields of metrics.json (in order), from what `compute` gave. */
  json(result: Result | undefined, settings: MetricSettings): Record<string, unknown>;
  /** Its phrases of the summary line, from metrics.json. */
  summary(metrics: JsonObject): string[];
  /** Its rows of the report, from metrics.json. */
  describe(metrics: JsonObject): ReportMetric[];
}

/** A percentage as the summary prints it. */
export function percent(v: number | undefined | null): string {
  return v === undefined || v === null || Number.isNaN(v) ? 'n/a' : `${v.toFixed(2)}%`;
}
