/**
 * Turns a run directory into its summary files: metrics.json, results.csv, curves.csv,
 * per-class.csv, the figures as standalone SVG, and the Markdown and HTML reports. Metrics are
 * replayed from results.jsonl (streamed, so memory does not grow with the run), which makes a
 * resumed run count every image exactly once; the galleries re-render only a few images.
 */
import { join } from 'node:path';
import type { RgbImage } from '@cam-localize/core';
import { writeFileAtomic } from '@cam-localize/core/workers';
import {
  CURVES_FIGURE_ID,
  curvesFigure,
  describeFailureMode,
  FAILURE_MODES,
  FAILURE_RULES,
  type MetricTable,
  type ReportInput,
  type ReportTable,
  renderHtmlReport,
  renderMarkdownReport,
} from '@cam-localize/eval';
import { csvRow } from './pipeline/csv.js';
import type { RunRecord } from './pipeline/records.js';
import { readRunConfig } from './pipeline/run-config.js';
import { RunDirectory, writeJsonAtomic } from './pipeline/run-dir.js';
import { extraSections, type SectionBuilder } from './reporting/extra-sections.js';
import { boxAccCurves, colormapOf, pictureKeys, runFigures, writeFigures } from './reporting/figures.js';
import { renderGalleries } from './reporting/galleries.js';
import { configurationRows, datasetName, runHeader } from './reporting/header.js';
import {
  bestAndWorst,
  type ClassRow,
  classRows,
  classTable,
  writePerClassCsv,
} from './reporting/per-class.js';
import { openResultsCsv } from './reporting/results-csv.js';
import { analyseRun, type RunAnalysis } from './reporting/run-analysis.js';
import { readRunLog } from './reporting/run-log.js';
import { metricRows, type Summary } from './reporting/run-metrics.js';

export type { RunMetrics, Summary } from './reporting/run-metrics.js';
export { printSummary } from './reporting/summary.js';

export interface ReportOptions {
  /** Renders the overlay of a record for the gallery; no gallery without it. */
  readonly render?: (record: RunRecord) => Promise<RgbImage>;
  /** Examples per gallery. */
  readonly galleryCount: number;
  readonly writeReports: boolean;
  /** Extra report sections (default: those registered in reporting/extra-sections.ts). */
  readonly sections?: readonly SectionBuilder[];
  /** The metrics (default: eval's table, `METRICS`). */
  readonly metrics?: MetricTable;
}

/** Classes shown at each end of the per-class ranking (the rest is in per-class.csv). */
export const CLASS_TABLE_ROWS = 10;

export async function buildReports(dir: string, options: ReportOptions): Promise<Summary> {
  const csvPath = join(dir, 'results.csv');
  const config = await readRunConfig(dir);
  const csv = openResultsCsv(csvPath, { faithfulness: config.faithfulness !== undefined });
  let analysis: RunAnalysis;
  try {
    analysis = await analyseRun(dir, {
      galleryCount: options.writeReports && options.render ? options.galleryCount : 0,
      onRecord: (record) => csv.write(record),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
  } catch (error) {
    // A damaged results.jsonl: the summary files of the last good pass stay as they were.
    await csv.abort();
    throw error;
  }
  await csv.close();
  const { metrics, boxes, thresholds } = analysis;
  const files = [join(dir, RunDirectory.RESULTS), csvPath];
  await writeJsonAtomic(join(dir, 'metrics.json'), metrics);
  files.push(join(dir, 'metrics.json'));
  if (boxes) {
    const lines = [csvRow(['threshold', ...boxes.levels.map((l) => `boxacc_iou${l.iouThreshold}`)])];
    for (let t = 0; t < thresholds.length; t++) {
      lines.push(csvRow([thresholds[t]!.toFixed(6), ...boxes.levels.map((l) => l.curve[t]!.toFixed(4))]));
    }
    await writeFileAtomic(join(dir, 'curves.csv'), lines.join(''));
    files.push(join(dir, 'curves.csv'));
  }
  const classes = classRows(analysis);
  if (classes.length > 0) {
    await writePerClassCsv(join(dir, 'per-class.csv'), classes);
    files.push(join(dir, 'per-class.csv'));
  }
  if (options.writeReports) files.push(...(await writeReportFiles(analysis, classes, options)));
  return { dir, metrics, files };
}

async function writeReportFiles(
  analysis: RunAnalysis,
  classes: readonly ClassRow[],
  options: ReportOptions,
): Promise<string[]> {
  const { dir, config } = analysis;
  const curves = boxAccCurves(analysis);
  const figures = runFigures(analysis, classes, CLASS_TABLE_ROWS);
  const keys = pictureKeys(colormapOf(config), config.threshold);
  const galleries = options.render
    ? await renderGalleries(
        dir,
        analysis.picks,
        analysis.modes,
        config.threshold,
        options.render,
        analysis.bySize,
      )
    : [];
  const input: ReportInput = {
    title: `cam-localize run: ${datasetName(config.dataset)}`,
    generated: new Date().toISOString(),
    header: runHeader(analysis, await readRunLog(dir)),
    config: configurationRows(config),
    metrics: metricRows(analysis.metrics, options.metrics),
    ...(curves ? { curves } : {}),
    figures,
    tables: [...(analysis.ious.length > 0 ? [failureModeTable(analysis)] : []), ...classTables(classes)],
    ...(galleries.length > 0 ? { galleryKey: keys, galleries } : {}),
    sections: await extraSections(analysis, options.sections),
    failures: analysis.failures,
  };
  const written = await writeFigures(dir, [
    ...(curves ? [{ ...curvesFigure(curves), id: CURVES_FIGURE_ID }] : []),
    ...figures,
    ...keys,
  ]);
  await writeFileAtomic(join(dir, 'report.md'), renderMarkdownReport(input));
  await writeFileAtomic(join(dir, 'report.html'), renderHtmlReport(input));
  const pictures = galleries.flatMap((g) =>
    g.items.flatMap((item) => (item.file ? [join(dir, item.file)] : [])),
  );
  return [...written, ...pictures, join(dir, 'report.md'), join(dir, 'report.html')];
}

function failureModeTable(analysis: RunAnalysis): ReportTable {
  const total = analysis.ious.length;
  const row = (mode: Parameters<typeof describeFailureMode>[0], label: string) => [
    label,
    describeFailureMode(mode, FAILURE_RULES),
    analysis.modes[mode],
    (100 * analysis.modes[mode]) / total,
  ];
  return {
    title: 'Outcomes and failure modes',
    note: `Each scored image by its boxes at CAM threshold ${analysis.config.threshold}, against the ground-truth box it overlaps most.`,
    header: ['outcome', 'definition', 'images', '% of images'],
    rows: [row('localized', 'localized'), ...FAILURE_MODES.map((mode) => row(mode, mode))],
  };
}

function classTables(classes: readonly ClassRow[]): ReportTable[] {
  if (classes.length === 0) return [];
  const csvNote = 'The full table is in per-class.csv.';
  if (classes.length <= 2 * CLASS_TABLE_ROWS) {
    return [
      classTable(
        `Per class (${classes.length} classes)`,
        classes,
        `GT-known Loc with its Wilson 95% interval. ${csvNote}`,
      ),
    ];
  }
  const { best, worst } = bestAndWorst(classes, CLASS_TABLE_ROWS);
  return [
    classTable(
      `Best ${best.length} of ${classes.length} classes`,
      best,
      `Ranked by the lower end of the Wilson 95% interval of GT-known Loc, so a class needs several images to rank high. ${csvNote}`,
    ),
    classTable(
      `Worst ${worst.length} of ${classes.length} classes`,
      worst,
      `Ranked by the upper end of the interval (lowest first). ${csvNote}`,
    ),
  ];
}
