/**
 * What `cam-localize view` hands the page for one run (served as a script, `data/<a|b>.js`, so the
 * exported page also opens from file://): the settings that made the boxes, and per image what
 * results.jsonl says plus its packed feature-grid maps. Shared by the server and the page source.
 */
import type { ImageGeometry } from '@cam-localize/core';

export interface ViewSettings {
  /** The run's own threshold as a fraction of the maximum (the slider's start). */
  readonly threshold: number;
  readonly thresholdText: string;
  /** Whether the records' boxes and decisions were made at `threshold` (a fraction of the maximum). */
  readonly recordsAtThreshold: boolean;
  readonly mode: string;
  readonly connectivity: 4 | 8;
  readonly minArea: number;
  readonly upsample: 'bilinear' | 'bicubic' | 'nearest';
  readonly iou: 'continuous' | 'inclusive';
  readonly iouLevels: readonly number[];
}

export interface ViewClass {
  readonly class: number;
  readonly name?: string;
  readonly boxes: [number, number, number, number][];
  readonly iou?: number;
}

export interface ViewImage {
  readonly id: string;
  /** The photo's URL, relative to the page. */
  readonly photo: string;
  readonly width: number;
  readonly height: number;
  readonly gtClass?: number;
  readonly gtName?: string;
  /** Ground-truth boxes as results.jsonl has them (rounded). */
  readonly gtBoxes: [number, number, number, number][];
  /** The same, clipped and unrounded, as the metrics saw them (from grid-maps.jsonl). */
  readonly gtExact?: [number, number, number, number][];
  readonly predictedClass: number;
  readonly predictedName?: string;
  readonly score: number;
  readonly predicted: ViewClass;
  readonly groundTruth?: ViewClass;
  readonly loc?: { readonly gtKnownLoc: boolean; readonly top1Loc: boolean };
  readonly boxAcc?: Record<string, [number, number][]>;
  readonly geometry?: ImageGeometry;
  readonly maps?: { class: number; width: number; height: number; data: string }[];
}

export interface ViewRun {
  readonly key: 'a' | 'b';
  readonly name: string;
  readonly command: string;
  readonly method: string;
  readonly model: string;
  readonly settings: ViewSettings;
  readonly images: ViewImage[];
}
