import { describeDegenerateBoxes, faithfulnessRows } from '@cam-localize/eval';
import type { Summary } from './run-metrics.js';

/** The one-screen summary on stderr at the end of a run. */
export function printSummary(
  summary: Summary,
  run: { seconds: number; images: number; throughput: string; retried?: number },
): void {
  const m = summary.metrics;
  const pct = (v: number | undefined | null) =>
    v === undefined || v === null || Number.isNaN(v) ? 'n/a' : `${v.toFixed(2)}%`;
  const lines = [
    `run: ${m.images.total} images (${m.images.ok} ok, ${m.images.failed} failed); ${run.images} processed now${retriedNote(run.retried)} in ${run.seconds.toFixed(1)} s ` +
      `(${run.throughput}, peak RSS ` +
      `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB); protocol ${m.protocol}`,
  ];
  if (m.localization) {
    const l = m.localization;
    lines.push(
      l.gtKnownLoc === null
        ? `  Predicted-class Loc ${pct(l.predictedClassLoc)} (class-agnostic: no image has a class the model knows)`
        : `  Top-1 Loc ${pct(l.top1Loc)}  GT-known Loc ${pct(l.gtKnownLoc)}  Top-5 Loc ${pct(l.top5Loc)}  Top-1 Cls ${pct(l.top1Cls)}  Top-5 Cls ${pct(l.top5Cls)}`,
    );
  }
  if (m.maxBoxAccByIoU !== null) {
    const levels = Object.entries(m.maxBoxAccByIoU ?? {})
      .map(([level, v]) => `IoU ${level}: ${pct(v)} at t=${m.bestThresholdByIoU?.[level]?.toFixed(3)}`)
      .join(', ');
    const headline =
      m.maxBoxAccV2 !== null ? `MaxBoxAccV2 ${pct(m.maxBoxAccV2)}` : `MaxBoxAcc (V1) ${pct(m.maxBoxAccV1)}`;
    lines.push(`  ${headline} (${levels})`);
  }
  if (m.pxap) lines.push(`  PxAP ${pct(m.pxap.pxap)} over ${m.pxap.images} masks`);
  if (m.pxapError) lines.push(`  PxAP not defined: ${m.pxapError}`);
  if (m.faithfulness) {
    for (const [name, value, better, images] of faithfulnessRows(m.faithfulness))
      lines.push(`  ${name} ${value} (${better} is better, ${images} images)`);
  }
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
  lines.push(
    `  wrote ${summary.files.map((f) => f.replace(`${summary.dir}/`, '')).join(', ')} in ${summary.dir}`,
  );
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** After --resume: how many of the images processed now had failed before (0 said too). */
function retriedNote(retried: number | undefined): string {
  if (retried === undefined) return '';
  return ` (${retried} retried after failing before)`;
}
