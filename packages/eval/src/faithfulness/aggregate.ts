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
        'E_CAM',
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
