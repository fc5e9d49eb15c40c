/**
 * The run-level numbers of the faithfulness metrics: means over images of each per-image result
 * (as `evaluateFaithfulness` gives it and results.jsonl keeps it), curves averaged point by point.
 */
import { CamError } from '@cam-localize/core';
import type { AverageDropResult } from './average-drop.js';
import type { CurveResult } from './deletion.js';
import type { RoadResult } from './road.js';

/** One image's results by metric name (any subset). */
export interface FaithfulnessRecord {
  readonly avgdrop?: AverageDropResult;
  readonly deletion?: CurveResult;
  readonly insertion?: CurveResult;
  readonly road?: RoadResult;
}

export interface CurveSummary {
  readonly images: number;
  /** Mean of the images' AUCs. */
  readonly auc: number;
  /** Mean probability at each fraction 0, 1/S, ..., 1. */
  readonly curve: number[];
}

export interface FaithfulnessSummary {
  readonly avgdrop?: { images: number; averageDrop: number; increaseInConfidence: number };
  readonly deletion?: CurveSummary;
  readonly insertion?: CurveSummary;
  readonly road?: {
    images: number;
    percentages: number[];
    morf: number[];
    lerf: number[];
    morfMean: number;
    lerfMean: number;
    combined: number;
  };
}

/** A curve mean's sums, as plain data. */
interface CurveState {
  readonly images: number;
  readonly auc: number;
  readonly sums: number[];
}

/** Everything a `FaithfulnessAccumulator` holds, as plain data (JSON friendly). */
export interface FaithfulnessState {
  readonly kind: 'faithfulness';
  readonly drops: { images: number; drop: number; increase: number };
  readonly deletion: CurveState;
  readonly insertion: CurveState;
  readonly morf: CurveState;
  readonly lerf: CurveState;
  readonly percentages: number[] | null;
}

/** Sums of curves of one length. */
class CurveMean {
  images = 0;
  private auc = 0;
  private sums: Float64Array | undefined;

  constructor(private readonly name: string) {}

  add(curve: readonly number[], auc: number): void {
    this.sums ??= new Float64Array(curve.length);
    if (curve.length !== this.sums.length) {
      throw new CamError(
        `${this.name} curves of ${this.sums.length} and ${curve.length} points cannot be averaged`,
      );
    }
    for (let i = 0; i < curve.length; i++) this.sums[i]! += curve[i]!;
    this.auc += auc;
    this.images++;
  }

  mean(): number[] {
    return Array.from(this.sums ?? [], (s) => s / this.images);
  }

  state(): CurveState {
    return { images: this.images, auc: this.auc, sums: Array.from(this.sums ?? []) };
  }

  merge(state: CurveState): void {
    if (state.images === 0) return;
    this.sums ??= new Float64Array(state.sums.length);
    if (state.sums.length !== this.sums.length) {
      throw new CamError(
        `${this.name} curves of ${this.sums.length} and ${state.sums.length} points cannot be averaged`,
      );
    }
    for (let i = 0; i < state.sums.length; i++) this.sums[i]! += state.sums[i]!;
    this.auc += state.auc;
    this.images += state.images;
  }

  summary(): CurveSummary | undefined {
    return this.images === 0
      ? undefined
      : { images: this.images, auc: this.auc / this.images, curve: this.mean() };
  }
}

export class FaithfulnessAccumulator {
  private drops = { images: 0, drop: 0, increase: 0 };
  private readonly deletion = new CurveMean('deletion');
  private readonly insertion = new CurveMean('insertion');
  private readonly morf = new CurveMean('ROAD MoRF');
  private readonly lerf = new CurveMean('ROAD LeRF');
  private percentages: number[] | undefined;

  add(record: FaithfulnessRecord): void {
    if (record.avgdrop) {
      this.drops.images++;
      this.drops.drop += record.avgdrop.drop;
      this.drops.increase += record.avgdrop.increase ? 1 : 0;
    }
    if (record.deletion) this.deletion.add(record.deletion.curve, record.deletion.auc);
    if (record.insertion) this.insertion.add(record.insertion.curve, record.insertion.auc);
    if (record.road) {
      this.percentages ??= record.road.percentages;
      this.morf.add(record.road.morf, record.road.morfMean);
      this.lerf.add(record.road.lerf, record.road.lerfMean);
    }
  }

  /** Adds one image's results (as `add`), under the one evaluator interface's name. */
  accumulate(record: FaithfulnessRecord): void {
    this.add(record);
  }

  state(): FaithfulnessState {
    return {
      kind: 'faithfulness',
      drops: { ...this.drops },
      deletion: this.deletion.state(),
      insertion: this.insertion.state(),
      morf: this.morf.state(),
      lerf: this.lerf.state(),
      percentages: this.percentages ?? null,
    };
  }

  /** Adds another accumulator's sums (the means then cover both sets of images). */
  mergeState(state: FaithfulnessState): void {
    if (state?.kind !== 'faithfulness') throw new CamError('not a faithfulness state');
    this.drops.images += state.drops.images;
    this.drops.drop += state.drops.drop;
    this.drops.increase += state.drops.increase;
    this.deletion.merge(state.deletion);
    this.insertion.merge(state.insertion);
    this.morf.merge(state.morf);
    this.lerf.merge(state.lerf);
    if (state.percentages !== null) this.percentages ??= state.percentages;
  }

  compute(): FaithfulnessSummary {
    const d = this.drops;
    const deletion = this.deletion.summary();
    const insertion = this.insertion.summary();
    const morf = this.morf.summary();
    const lerf = this.lerf.summary();
    return {
      ...(d.images === 0
        ? {}
        : {
            avgdrop: {
              images: d.images,
              averageDrop: (100 * d.drop) / d.images,
              increaseInConfidence: (100 * d.increase) / d.images,
            },
          }),
      ...(deletion ? { deletion } : {}),
      ...(insertion ? { insertion } : {}),
      ...(morf && lerf
        ? {
            road: {
              images: morf.images,
              percentages: this.percentages ?? [],
              morf: morf.curve,
              lerf: lerf.curve,
              morfMean: morf.auc,
              lerfMean: lerf.auc,
              combined: (lerf.auc - morf.auc) / 2,
            },
          }
        : {}),
    };
  }
}
