/**
 * Loads the runs `compare` puts side by side (metrics replayed from each results.jsonl, nothing
 * written into the run directories) and checks they were made on the same dataset: the same
 * format and split, the same images, and the same ground truth for each (class and boxes). The
 * dataset's folder may differ (a copy on another machine); then the page says so.
 */
import { basename } from 'node:path';
import { DataError } from '@cam-localize/core';
import type { JsonBox, RunRecord } from '../pipeline/records.js';
import { analyseRun, type RunAnalysis, shownOf } from './run-analysis.js';

/** What compare keeps of each image of a run: enough to rank disagreements and draw them. */
export interface ImageResult {
  readonly file: string;
  readonly iou: number | undefined;
  readonly boxes: readonly JsonBox[];
  readonly gtBoxes: readonly JsonBox[];
  /** Ground truth in one string, to check two runs saw the same (undefined for a failed image). */
  readonly truth: string | undefined;
}

export interface ComparedRun {
  /** A, B, C, ... */
  readonly label: string;
  readonly dir: string;
  readonly analysis: RunAnalysis;
  readonly images: Map<string, ImageResult>;
}

export async function loadComparedRun(dir: string, index: number): Promise<ComparedRun> {
  const images = new Map<string, ImageResult>();
  const analysis = await analyseRun(dir, {
    galleryCount: 0,
    onRecord: (record: RunRecord) => {
      const shown = record.status === 'ok' ? shownOf(record) : undefined;
      images.set(record.id, {
        file: record.file,
        iou: shown?.iou,
        boxes: shown?.boxes ?? [],
        gtBoxes: record.gtBoxes ?? [],
        truth:
          record.status === 'ok'
            ? JSON.stringify([record.gtClass ?? null, record.gtBoxes ?? null])
            : undefined,
      });
    },
  });
  return { label: String.fromCharCode(65 + index), dir, analysis, images };
}

/**
 * Throws a DataError (exit 1) naming what differs when the runs were not made on one dataset;
 * returns notes on harmless differences (the dataset's folder).
 */
export function assertSameDataset(runs: readonly ComparedRun[]): string[] {
  const [first, ...rest] = runs;
  if (first === undefined) return [];
  const notes: string[] = [];
  const hint = 'compare runs of one dataset (same images and ground truth); see each run’s config.json';
  const describe = (run: ComparedRun) => `run ${run.label} (${run.dir})`;
  for (const run of rest) {
    const a = first.analysis.config;
    const b = run.analysis.config;
    const splitA = a.fingerprint?.split ?? null;
    const splitB = b.fingerprint?.split ?? null;
    if (a.format !== b.format || splitA !== splitB) {
      throw new DataError(
        'E_DATASET',
        `different datasets: ${describe(first)} read ${a.dataset} as ${a.format}${splitA ? ` (split ${splitA})` : ''}, ${describe(run)} read ${b.dataset} as ${b.format}${splitB ? ` (split ${splitB})` : ''}`,
        { hint },
      );
    }
    const onlyA = [...first.images.keys()].filter((id) => !run.images.has(id));
    const onlyB = [...run.images.keys()].filter((id) => !first.images.has(id));
    if (onlyA.length > 0 || onlyB.length > 0) {
      const sample = (ids: string[]) => ids.slice(0, 3).join(', ') + (ids.length > 3 ? ', ...' : '');
      throw new DataError(
        'E_DATASET',
        `different datasets: ${describe(first)} has ${first.images.size} images, ${describe(run)} ${run.images.size}; ` +
          `${onlyA.length} only in ${first.label}${onlyA.length > 0 ? ` (${sample(onlyA)})` : ''}, ` +
          `${onlyB.length} only in ${run.label}${onlyB.length > 0 ? ` (${sample(onlyB)})` : ''}`,
        { hint },
      );
    }
    const differing = [...first.images].filter(([id, image]) => {
      const other = run.images.get(id)!.truth;
      return image.truth !== undefined && other !== undefined && other !== image.truth;
    });
    if (differing.length > 0) {
      throw new DataError(
        'E_DATASET',
        `different ground truth: ${differing.length} images have other labels or boxes in ${describe(run)} than in ${describe(first)}, first ${differing[0]![0]}`,
        { hint },
      );
    }
    if (a.dataset !== b.dataset) {
      notes.push(
        `Run ${run.label} read the dataset from ${b.dataset}, run ${first.label} from ${a.dataset}: the same images and ground truth.`,
      );
    }
  }
  return notes;
}

/** Images ranked by how much the runs disagree: the spread (max − min) of their best IoU. */
export function disagreements(
  runs: readonly ComparedRun[],
  count: number,
): { id: string; ious: number[]; spread: number }[] {
  const first = runs[0];
  if (first === undefined) return [];
  const ranked: { id: string; ious: number[]; spread: number }[] = [];
  for (const id of first.images.keys()) {
    const ious = runs.map((run) => run.images.get(id)?.iou);
    if (ious.some((v) => v === undefined)) continue;
    const values = ious as number[];
    ranked.push({ id, ious: values, spread: Math.max(...values) - Math.min(...values) });
  }
  return ranked.sort((x, y) => y.spread - x.spread || (x.id < y.id ? -1 : 1)).slice(0, count);
}

export function runName(run: ComparedRun): string {
  return `${run.label}: ${basename(run.dir.replace(/[/\\]+$/, ''))}`;
}
