import { describeDegenerateBoxes, METRICS, type MetricTable, summaryLines } from '@cam-localize/eval';
import type { SessionTotals } from './run-log.js';
import type { Summary } from './run-metrics.js';
import { describeWritten } from './written-files.js';

/** The one-screen summary on stderr at the end of a run. */
export function printSummary(
  summary: Summary,
  run: {
    seconds: number;
    images: number;
    throughput: string;
    retried?: number;
    /** All sessions of a resumed run (run-log.json), when there were several. */
    totals?: SessionTotals;
  },
  table: MetricTable = METRICS,
): void {
  const m = summary.metrics;
  const lines = [
    `run: ${m.images.total} images (${m.images.ok} ok, ${m.images.failed} failed); ${run.images} processed now${retriedNote(run.retried)} in ${run.seconds.toFixed(1)} s ` +
      `(${run.throughput}, peak RSS ` +
      `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB); protocol ${m.protocol}`,
  ];
  if (run.totals !== undefined) lines.push(`  ${describeTotals(run.totals)}`);
  for (const line of summaryLines(m, table)) lines.push(`  ${line}`);
  const missing = m.warnings.missingGroundTruth;
  if (missing.images > 0) {
    const first = missing.first.map((f) => `${f.id} (no ${f.missing.join(', no ')})`).join(', ');
    lines.push(
      `  warning: ${missing.images} images lack ground truth the rest of the dataset has, and count in no metric: ${first}${missing.images > missing.first.length ? ', ...' : ''}`,
    );
  }
  if (m.warnings.clippedBoxes > 0) {
    lines.push(
      `  warning: ${m.warnings.clippedBoxes} ground-truth boxes reached outside their image and were clipped to it`,
    );
  }
  const degenerate = describeDegenerateBoxes(m.warnings);
  if (degenerate !== undefined) lines.push(`  warning: ${degenerate}`);
  lines.push(`  ${describeWritten(summary.dir, summary.files)}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** A resumed run's sessions together: `all 2 sessions: 40 images in 12.3 s (3.3 img/s)`. */
function describeTotals(totals: SessionTotals): string {
  const rate = totals.seconds > 0 ? totals.images / totals.seconds : 0;
  return `all ${totals.sessions} sessions: ${totals.images} images in ${totals.seconds.toFixed(1)} s (${rate.toFixed(1)} img/s)`;
}

/** After --resume: how many of the images processed now had failed before (0 said too). */
function retriedNote(retried: number | undefined): string {
  if (retried === undefined) return '';
  return ` (${retried} retried after failing before)`;
}
