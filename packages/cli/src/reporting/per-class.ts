/**
 * The per-class view: a class with one to four images is 0% or 100% by chance, so each rate comes
 * with its Wilson 95% interval, the report shows the classes that are best and worst beyond that
 * noise (ranked by the interval's lower and upper bound), and the whole table goes to per-class.csv.
 */
import { writeFileAtomic } from '@cam-localize/core/workers';
import { type ReportTable, wilsonInterval } from '@cam-localize/eval';
import { csvRow } from '../pipeline/csv.js';
import type { RunAnalysis } from './run-analysis.js';

export interface ClassRow {
  readonly class: number;
  readonly name: string;
  readonly images: number;
  /** GT-known Loc in percent, and its 95% Wilson interval in percent. */
  readonly gtKnownLoc: number;
  readonly low: number;
  readonly high: number;
  readonly top1Loc: number;
  readonly top1Cls: number;
}

export function classRows(analysis: Pick<RunAnalysis, 'classCounts' | 'classNames'>): ClassRow[] {
  const rows: ClassRow[] = [];
  for (const [c, n] of [...analysis.classCounts].sort((a, b) => a[0] - b[0])) {
    if (c < 0 || n.images === 0) continue;
    const interval = wilsonInterval(n.gtKnownLoc, n.images)!;
    rows.push({
      class: c,
      name: analysis.classNames.get(c) ?? '',
      images: n.images,
      gtKnownLoc: (100 * n.gtKnownLoc) / n.images,
      low: 100 * interval.low,
      high: 100 * interval.high,
      top1Loc: (100 * n.top1Loc) / n.images,
      top1Cls: (100 * n.top1Cls) / n.images,
    });
  }
  return rows;
}

/** Best: highest lower bound (then more images); worst: lowest upper bound, among the rest. */
export function bestAndWorst(rows: readonly ClassRow[], n: number): { best: ClassRow[]; worst: ClassRow[] } {
  const best = [...rows]
    .sort((a, b) => b.low - a.low || b.images - a.images || a.class - b.class)
    .slice(0, n);
  const taken = new Set(best.map((r) => r.class));
  const worst = [...rows]
    .filter((r) => !taken.has(r.class))
    .sort((a, b) => a.high - b.high || b.images - a.images || a.class - b.class)
    .slice(0, n);
  return { best, worst };
}

export function classLabel(row: ClassRow): string {
  return row.name === '' ? `class ${row.class}` : `${row.name} (${row.class})`;
}

export function classTable(title: string, rows: readonly ClassRow[], note: string): ReportTable {
  return {
    title,
    note,
    header: ['class', 'name', 'images', 'GT-known Loc %', '95% CI (Wilson)', 'Top-1 Loc %', 'Top-1 Cls %'],
    rows: rows.map((r) => [
      r.class,
      r.name,
      r.images,
      r.gtKnownLoc,
      `${r.low.toFixed(1)}–${r.high.toFixed(1)}`,
      r.top1Loc,
      r.top1Cls,
    ]),
  };
}

export async function writePerClassCsv(path: string, rows: readonly ClassRow[]): Promise<void> {
  const lines = [
    csvRow([
      'class',
      'name',
      'images',
      'gt_known_loc',
      'gt_known_loc_ci95_low',
      'gt_known_loc_ci95_high',
      'top1_loc',
      'top1_cls',
    ]),
    ...rows.map((r) =>
      csvRow([
        r.class,
        r.name,
        r.images,
        round(r.gtKnownLoc),
        round(r.low),
        round(r.high),
        round(r.top1Loc),
        round(r.top1Cls),
      ]),
    ),
  ];
  await writeFileAtomic(path, lines.join(''));
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
