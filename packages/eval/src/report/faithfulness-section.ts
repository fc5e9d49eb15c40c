/**
 * The faithfulness part of a report, from plain data (metrics.json's "faithfulness"): a table of
 * the run-level numbers and an SVG of the mean deletion and insertion curves. Strings only; the
 * report renderers place them through `ReportInput.sections`.
 */
import type { FaithfulnessSummary } from '../faithfulness/aggregate.js';
import { escapeHtml, escapeMarkdown } from './escape.js';
import { curvesSvg } from './svg.js';
import type { RenderedSection } from './types.js';

/** One row per number: metric, value, which way is better, over how many images. */
export function faithfulnessRows(summary: FaithfulnessSummary): [string, string, string, number][] {
  const rows: [string, string, string, number][] = [];
  const { avgdrop, deletion, insertion, road } = summary;
  if (avgdrop) {
    rows.push(['Average Drop (%)', avgdrop.averageDrop.toFixed(2), 'lower', avgdrop.images]);
    rows.push([
      'Increase in Confidence (%)',
      avgdrop.increaseInConfidence.toFixed(2),
      'higher',
      avgdrop.images,
    ]);
  }
  if (deletion) rows.push(['Deletion AUC', deletion.auc.toFixed(4), 'lower', deletion.images]);
  if (insertion) rows.push(['Insertion AUC', insertion.auc.toFixed(4), 'higher', insertion.images]);
  if (road) {
    rows.push(['ROAD MoRF (mean probability)', road.morfMean.toFixed(4), 'lower', road.images]);
    rows.push(['ROAD LeRF (mean probability)', road.lerfMean.toFixed(4), 'higher', road.images]);
    rows.push(['ROAD combined (LeRF - MoRF) / 2', road.combined.toFixed(4), 'higher', road.images]);
  }
  return rows;
}

const HEADER = ['metric', 'value', 'better', 'images'];

/** Mean class probability vs fraction of pixels deleted / inserted, or undefined without either curve. */
export function faithfulnessCurvesSvg(summary: FaithfulnessSummary): string | undefined {
  const series = [
    ...(summary.deletion ? [{ label: 'deletion', y: summary.deletion.curve }] : []),
    ...(summary.insertion ? [{ label: 'insertion', y: summary.insertion.curve }] : []),
  ];
  if (series.length === 0) return undefined;
  const points = series[0]!.y.length;
  return curvesSvg({
    title: 'Mean class probability vs fraction of pixels deleted / inserted',
    xLabel: 'fraction of pixels, in order of the map',
    yLabel: 'class probability',
    x: Array.from({ length: points }, (_, i) => i / (points - 1)),
    series,
  });
}

export function faithfulnessMarkdown(summary: FaithfulnessSummary): string {
  const rows = faithfulnessRows(summary);
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => escapeMarkdown(String(c))).join(' | ')} |`),
  ].join('\n');
}

export function faithfulnessHtml(summary: FaithfulnessSummary): string {
  const head = HEADER.map((h) => `<th>${h}</th>`).join('');
  const body = faithfulnessRows(summary)
    .map(
      ([name, value, better, images]) =>
        `<tr><td>${escapeHtml(name)}</td><td class="num">${value}</td><td>${better}</td><td class="num">${images}</td></tr>`,
    )
    .join('');
  const svg = faithfulnessCurvesSvg(summary);
  return (
    `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>` +
    (svg === undefined ? '' : `<figure class="chart">${svg}</figure>`)
  );
}

/** The report section of a run's faithfulness summary. */
export function faithfulnessSection(summary: FaithfulnessSummary): RenderedSection {
  return {
    title: 'Faithfulness of the predicted class',
    html: faithfulnessHtml(summary),
    markdown: faithfulnessMarkdown(summary),
  };
}
