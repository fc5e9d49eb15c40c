/**
 * compare's per-class table, ranked as the report ranks classes: by their Wilson 95% intervals, so
 * that a class of one or two images (0% to 100% by chance) does not lead. A change ranks by how far
 * apart the two runs' intervals lie (positive: apart, a change beyond the noise; negative: they
 * overlap by that much), then by its size.
 */
import type { ReportTable } from '@cam-localize/eval';
import { csvRow } from '../pipeline/csv.js';
import type { ComparedRun } from './compare-runs.js';
import { type ClassRow, classRows } from './per-class.js';

export interface ClassDifference {
  readonly c: number;
  readonly delta: number;
  /** Lower end of the later run's interval minus the upper end of the first's (or the reverse, for a drop). */
  readonly separation: number;
}

export function rankClassDifferences(first: ClassRow, last: ClassRow): ClassDifference {
  const delta = last.gtKnownLoc - first.gtKnownLoc;
  const separation = delta >= 0 ? last.low - first.high : first.low - last.high;
  return { c: first.class, delta, separation };
}

const byEvidence = (x: ClassDifference, y: ClassDifference) =>
  y.separation - x.separation || Math.abs(y.delta) - Math.abs(x.delta) || x.c - y.c;

/** Classes with the clearest change of GT-known Loc between the first and the last run. */
export function perClassDifferences(
  runs: readonly ComparedRun[],
  shown = 20,
): { table: ReportTable; csv: string } {
  const rows = runs.map((run) => new Map(classRows(run.analysis).map((r) => [r.class, r])));
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const shared = [...first.keys()].filter((c) => rows.every((m) => m.has(c)));
  const diffs = shared.map((c) => rankClassDifferences(first.get(c)!, last.get(c)!)).sort(byEvidence);
  const header = [
    'class',
    'name',
    'images',
    ...runs.map((run) => `GT-known Loc % ${run.label}`),
    'difference',
  ];
  const row = ({ c, delta }: ClassDifference) => [
    c,
    first.get(c)!.name,
    first.get(c)!.images,
    ...rows.map((m) => m.get(c)!.gtKnownLoc),
    delta,
  ];
  const interval = (r: ClassRow) => `${r.low.toFixed(1)}–${r.high.toFixed(1)}`;
  const changed = diffs.filter((d) => d.delta !== 0);
  const lastLabel = runs[runs.length - 1]!.label;
  return {
    table: {
      title: `Per-class differences (${changed.length} of ${shared.length} classes changed)`,
      note:
        `GT-known Loc per class, the ${Math.min(shown, changed.length)} clearest changes of run ${lastLabel} against run A, ` +
        'ranked as the report ranks classes, by the Wilson 95% intervals: first the changes whose two intervals lie furthest apart ' +
        '(a change beyond the noise of a few images), then the larger change. Every class is in per-class-differences.csv.',
      header: [
        ...header.slice(0, 3),
        ...runs.flatMap((run) => [`GT-known Loc % ${run.label}`, `95% CI ${run.label}`]),
        'difference',
        'intervals apart',
      ],
      rows: changed
        .slice(0, shown)
        .map((d) => [
          d.c,
          first.get(d.c)!.name,
          first.get(d.c)!.images,
          ...rows.flatMap((m) => [m.get(d.c)!.gtKnownLoc, interval(m.get(d.c)!)]),
          d.delta,
          d.separation > 0 ? 'yes' : 'no',
        ]),
    },
    csv: [csvRow(header), ...diffs.map((d) => csvRow(row(d)))].join(''),
  };
}
