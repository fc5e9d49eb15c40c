/**
 * The table of metrics, and the one way every output uses it: `run`'s records (`observe`), the
 * replay of results.jsonl, metrics.json of `run` and `eval`, the summary line, the report's rows,
 * and the merging of shards (`states` / `mergeStates`). Adding a metric is one module and one row
 * here (CONTRIBUTING.md, "Add a metric").
 */
import { UsageError } from '@cam-localize/core';
import type { ReportMetric } from '../report/types.js';
import { BOX_ACCURACY_METRIC } from './box-accuracy-metric.js';
import type { FramedImage, JsonObject, MetricEvaluator, MetricRow, MetricSettings } from './evaluator.js';
import { FAITHFULNESS_METRIC } from './faithfulness-metric.js';
import { LOCALIZATION_METRIC } from './localization-metric.js';
import { PXAP_METRIC } from './pxap-metric.js';

export type MetricTable = readonly MetricRow[];

/** In the order of metrics.json, records and the summary line. */
export const METRICS: MetricTable = [
  LOCALIZATION_METRIC,
  BOX_ACCURACY_METRIC,
  PXAP_METRIC,
  FAITHFULNESS_METRIC,
];

export interface MetricSetOptions {
  /** Default `METRICS`. */
  readonly table?: MetricTable;
  /** The optional metrics asked for, by row name (`faithfulness`). */
  readonly asked?: Iterable<string>;
}

/** The evaluators of a table's rows that apply (by scope and by what was asked), under one set of settings. */
export class MetricSet {
  readonly rows: MetricTable;
  private readonly evaluators = new Map<MetricRow, MetricEvaluator<unknown, unknown, unknown>>();
  private results: Map<MetricRow, unknown> | undefined;

  constructor(
    readonly settings: MetricSettings,
    options: MetricSetOptions = {},
  ) {
    const asked = new Set(options.asked ?? []);
    this.rows = (options.table ?? METRICS).filter(
      (row) =>
        (settings.command === 'run' || row.scope === 'maps') &&
        (row.optional !== true || asked.has(row.name)),
    );
    for (const row of this.rows) this.evaluators.set(row, row.create(settings));
  }

  /** A row's evaluator, when the row applies. */
  evaluator<O, S, R>(row: MetricRow<O, S, R>): MetricEvaluator<O, S, R> | undefined {
    return this.evaluators.get(row as MetricRow) as MetricEvaluator<O, S, R> | undefined;
  }

  /** What one image of a run adds to its record: each row's observation, under its record key. */
  async observe(image: FramedImage): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const row of this.rows) {
      const evaluator = this.evaluators.get(row)!;
      if (row.recordKey === undefined || evaluator.observe === undefined) continue;
      const observed = await evaluator.observe(image);
      if (observed !== undefined) out[row.recordKey] = observed;
    }
    return out;
  }

  /**
   * Observes one image and adds what it gives to each evaluator at once (`eval --cams`, which keeps
   * no records): whether any row counted the image, and the errors of the rows that failed on it
   * (in row order; the other rows still count it).
   */
  async accumulateImage(image: FramedImage): Promise<{ counted: boolean; errors: unknown[] }> {
    this.results = undefined;
    let counted = false;
    const errors: unknown[] = [];
    for (const row of this.rows) {
      const evaluator = this.evaluators.get(row)!;
      try {
        const observed = await evaluator.observe?.(image);
        if (observed === undefined) continue;
        evaluator.accumulate(observed);
        counted = true;
      } catch (error) {
        errors.push(error);
      }
    }
    return { counted, errors };
  }

  /** Adds one record of results.jsonl to every evaluator whose observation it holds. */
  accumulateRecord(record: object): void {
    this.results = undefined;
    for (const row of this.rows) {
      const observation = row.read(record as JsonObject);
      if (observation !== undefined) this.evaluators.get(row)!.accumulate(observation);
    }
  }

  /** Every evaluator's state, by row name (plain JSON). */
  states(): Record<string, unknown> {
    return Object.fromEntries(this.rows.map((row) => [row.name, this.evaluators.get(row)!.state()]));
  }

  /** Adds the states of another part (by row name); `where` names it in errors. */
  mergeStates(states: JsonObject, where = 'the part'): void {
    this.results = undefined;
    for (const row of this.rows) {
      const state = states[row.name];
      if (state === undefined || state === null) {
        throw new UsageError(`${where} holds no ${row.name} state`);
      }
      this.evaluators.get(row)!.mergeState(state);
    }
  }

  /** A row's figures (computed once per set of images). */
  result<R>(row: MetricRow<unknown, unknown, R>): R | undefined {
    if (this.results === undefined) {
      this.results = new Map(this.rows.map((r) => [r, this.evaluators.get(r)!.compute()]));
    }
    return this.results.get(row as MetricRow) as R | undefined;
  }

  /** The metrics' fields of metrics.json, row after row. */
  json(): Record<string, unknown> {
    return Object.assign({}, ...this.rows.map((row) => row.json(this.result(row), this.settings)));
  }
}

/** The phrases of the summary line, row after row. */
export function summaryLines(metrics: object, table: MetricTable = METRICS): string[] {
  return table.flatMap((row) => row.summary(metrics as JsonObject));
}

/** The report's metric rows: the headline (threshold-free) metrics first, then the others. */
export function reportRows(metrics: object, table: MetricTable = METRICS): ReportMetric[] {
  return [
    ...table.filter((row) => row.headline === true),
    ...table.filter((row) => row.headline !== true),
  ].flatMap((row) => row.describe(metrics as JsonObject));
}
