/**
 * The page `compare` writes: the runs and the settings that differ, the metrics side by side,
 * the BoxAcc and accuracy-vs-IoU curves overlaid, per-class differences (with counts) and the
 * images where the runs disagree most, drawn with every run's boxes. Written only into `out`.
 */
import { join } from 'node:path';
import { DataError, drawBoxes, encodeImage, loadImage } from '@cam-localize/core';
import { makeFolders, writeFileAtomic } from '@cam-localize/core/workers';
import {
  boxLegendSvg,
  curvesSvg,
  PALETTE,
  type ReportFigure,
  type ReportGallery,
  type ReportInput,
  type ReportTable,
  renderHtmlReport,
  renderMarkdownReport,
} from '@cam-localize/eval';
import { describeCliError } from '../error-messages.js';
import { TRUTH_COLOUR } from '../pipeline/artifacts.js';
import { describeResize } from '../pipeline/preprocess-provenance.js';
import { fingerprintDifferences, type RunConfig } from '../pipeline/run-config.js';
import { writeInside } from '../pipeline/safe-paths.js';
import { perClassDifferences } from './class-differences.js';
import { type ComparedRun, disagreements, runName } from './compare-runs.js';
import { accuracyByIoULevel, writeFigures } from './figures.js';
import { thumbnail } from './galleries.js';
import { datasetName } from './header.js';
import { recordedPathCheck } from './recorded-paths.js';
import { metricRows } from './run-metrics.js';

/** Run colours: the palette without its red, which marks the ground truth in the pictures. */
const RUN_COLOURS = PALETTE.filter((c) => c !== '#d62728');

export function runColour(index: number): string {
  return RUN_COLOURS[index % RUN_COLOURS.length]!;
}

function rgbOf(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

export interface CompareOptions {
  readonly out: string;
  /** Images shown (and tabled) where the runs disagree most. */
  readonly images: number;
  /** Draw those images (reads the image files); otherwise only the table. */
  readonly pictures: boolean;
  readonly notes: readonly string[];
}

export async function writeComparison(
  runs: readonly ComparedRun[],
  options: CompareOptions,
): Promise<string[]> {
  await makeFolders(options.out);
  const figures = comparisonFigures(runs);
  const perClass = perClassDifferences(runs);
  const worst = disagreements(runs, options.images);
  const files = await writeFigures(options.out, figures);
  const csvPath = join(options.out, 'per-class-differences.csv');
  await writeFileAtomic(csvPath, perClass.csv);
  files.push(csvPath);
  const galleries: ReportGallery[] = options.pictures
    ? [await disagreementGallery(runs, worst, options.out)]
    : [];
  const dataset = runs[0]!.analysis.config.dataset;
  const input: ReportInput = {
    title: `cam-localize compare: ${runs.map(runName).join(' vs ')}`,
    generated: new Date().toISOString(),
    header: [
      {
        label: 'dataset',
        value: `${datasetName(dataset)} (${runs[0]!.images.size} images, the same in every run)`,
      },
      ...runs.map((run) => ({ label: `run ${run.label}`, value: run.dir })),
      ...options.notes.map((note) => ({ label: 'note', value: note })),
    ],
    config: {},
    metrics: [],
    figures,
    tables: [
      runsTable(runs),
      settingsTable(runs),
      metricsTable(runs),
      perClass.table,
      disagreementTable(runs, worst),
    ],
    ...(galleries.length > 0 ? { galleryKey: [pictureLegend(runs)], galleries } : {}),
  };
  const md = join(options.out, 'compare.md');
  const html = join(options.out, 'compare.html');
  await writeFileAtomic(md, renderMarkdownReport(input));
  await writeFileAtomic(html, renderHtmlReport(input));
  return [...files, md, html];
}

function runsTable(runs: readonly ComparedRun[]): ReportTable {
  return {
    title: 'Runs',
    header: [
      'run',
      'model',
      'preprocessing',
      'method',
      'target',
      'threshold',
      'boxes',
      'protocol',
      'images ok',
    ],
    rows: runs.map((run) => {
      const c = run.analysis.config;
      return [
        runName(run),
        c.model.split('/').pop() ?? c.model,
        preprocessingSummary(c),
        c.method,
        c.target,
        c.threshold,
        c.boxes,
        c.protocol,
        run.analysis.metrics.images.ok,
      ];
    }),
  };
}

/** Input size, preset and resize/crop that ran (runs before `preprocessRan`: the fingerprint's values). */
function preprocessingSummary(c: RunConfig): string {
  const config = c.preprocessRan?.config ?? c.fingerprint?.preprocess;
  if (config === undefined) return 'not recorded';
  const size = c.preprocessRan ? `${c.preprocessRan.inputSize[0]}x${c.preprocessRan.inputSize[1]}, ` : '';
  const preset = c.preprocessRan?.preset.split(',')[0] ?? c.preprocessFlags.preset ?? 'not given';
  const crop = config.crop === null ? 'no crop' : `crop ${config.crop[0]}x${config.crop[1]}`;
  return `${size}preset ${preset}, resize ${describeResize(config.resize)}, ${crop}, ${config.channelOrder.toUpperCase()}`;
}

function settingsTable(runs: readonly ComparedRun[]): ReportTable {
  const first = runs[0]!.analysis.config;
  const fields = new Set<string>();
  for (const run of runs.slice(1)) {
    for (const d of fingerprintDifferences(first.fingerprint ?? {}, run.analysis.config.fingerprint ?? {}))
      fields.add(d.field);
  }
  const settingOf = (run: ComparedRun, field: string) => {
    let value: unknown = run.analysis.config.fingerprint;
    for (const key of field.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    return value === undefined ? 'unset' : typeof value === 'string' ? value : JSON.stringify(value);
  };
  return {
    title: 'Settings that differ',
    note:
      fields.size === 0
        ? 'The runs’ fingerprints (model, preprocessing, CAM and box settings) are equal.'
        : 'From each run’s fingerprint in config.json.',
    header: ['setting', ...runs.map(runName)],
    rows: [...fields].map((field) => [field, ...runs.map((run) => settingOf(run, field))]),
  };
}

function metricsTable(runs: readonly ComparedRun[]): ReportTable {
  const perRun = runs.map((run) => metricRows(run.analysis.metrics));
  const names = [...new Set(perRun.flatMap((rows) => rows.map((r) => r.name)))];
  const last = runs.length - 1;
  return {
    title: 'Metrics side by side',
    note:
      runs.length > 1 ? `The last column is run ${runs[last]!.label} minus run A, in percentage points.` : '',
    header: ['metric', ...runs.map(runName), ...(runs.length > 1 ? [`${runs[last]!.label} − A`] : [])],
    rows: names.map((name) => {
      const values = perRun.map((rows) => rows.find((r) => r.name === name)?.value);
      const a = values[0];
      const b = values[last];
      const delta = typeof a === 'number' && typeof b === 'number' ? signed(b - a) : '';
      return [name, ...values.map((v) => (v === undefined ? '' : v)), ...(runs.length > 1 ? [delta] : [])];
    }),
  };
}

function signed(v: number): string {
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(2)}`;
}

function comparisonFigures(runs: readonly ComparedRun[]): ReportFigure[] {
  const figures: ReportFigure[] = [];
  const withBoxes = runs.filter((run) => run.analysis.boxes);
  if (withBoxes.length > 0) {
    const title = 'BoxAcc vs CAM threshold, runs overlaid';
    figures.push({
      id: 'boxacc-vs-threshold',
      title,
      caption:
        'colour: run; dash: IoU level (solid, dashed, dotted: the levels in order). The sweep covers every threshold, so runs that differ only in --threshold coincide here',
      svg: curvesSvg({
        title,
        xLabel: 'CAM threshold',
        yLabel: 'BoxAcc (%)',
        x: withBoxes[0]!.analysis.thresholds,
        legend: 'below',
        series: runs.flatMap((run, r) =>
          (run.analysis.boxes?.levels ?? []).map((level, l) => ({
            label: `${runName(run)}, IoU ≥ ${level.iouThreshold}%`,
            y: level.curve,
            best: level.bestThresholdIndex,
            color: runColour(r),
            dash: l,
          })),
        ),
      }),
    });
  }
  const title = 'Localization accuracy vs IoU level, runs overlaid';
  const curves = runs.map((run) => accuracyByIoULevel(run.analysis.ious));
  figures.push({
    id: 'accuracy-vs-iou',
    title,
    caption: 'share of images whose best IoU (boxes at each run’s own CAM threshold) reaches each level',
    svg: curvesSvg({
      title,
      xLabel: 'IoU level',
      yLabel: 'images localized (%)',
      x: curves[0]!.levels,
      yMax: 100,
      legend: 'below',
      series: runs.map((run, r) => ({
        label: `${runName(run)} (threshold ${run.analysis.config.threshold})`,
        y: curves[r]!.accuracy,
        color: runColour(r),
      })),
    }),
  });
  return figures;
}

function disagreementTable(
  runs: readonly ComparedRun[],
  worst: ReturnType<typeof disagreements>,
): ReportTable {
  return {
    title: 'Images where the runs disagree most',
    note: 'Ranked by the spread (largest minus smallest) of the image’s best IoU across the runs.',
    header: ['image', ...runs.map((run) => `IoU ${run.label}`), 'spread'],
    rows: worst.map((w) => [w.id, ...w.ious, w.spread]),
  };
}

function pictureLegend(runs: readonly ComparedRun[]): ReportFigure {
  return {
    id: 'box-legend',
    title: 'Box colours',
    svg: boxLegendSvg('Box colours', [
      { label: 'ground-truth box', colour: TRUTH_COLOUR },
      ...runs.map((run, r) => ({ label: `run ${runName(run)}`, colour: rgbOf(runColour(r)) })),
    ]),
  };
}

async function disagreementGallery(
  runs: readonly ComparedRun[],
  worst: ReturnType<typeof disagreements>,
  out: string,
): Promise<ReportGallery> {
  const items = [];
  const checkPath = recordedPathCheck(runs[0]!.dir, runs[0]!.analysis.config.dataset);
  for (const [i, { id, ious }] of worst.entries()) {
    const image = runs[0]!.images.get(id)!;
    const caption = `${id} · ${runs.map((run, r) => `${run.label} ${ious[r]!.toFixed(2)}`).join(' · ')}`;
    try {
      const picture = await loadImage(checkPath(id, image.file));
      const width = Math.max(2, Math.round(Math.max(picture.width, picture.height) / 150));
      const toBox = ([x0, y0, x1, y1]: readonly number[]) => ({ x0: x0!, y0: y0!, x1: x1!, y1: y1! });
      const drawn = drawBoxes(picture, [
        ...image.gtBoxes.map((b) => ({ box: toBox(b), color: TRUTH_COLOUR, width })),
        ...runs.flatMap((run, r) =>
          (run.images.get(id)?.boxes ?? []).map((b) => ({
            box: toBox(b),
            color: rgbOf(runColour(r)),
            width,
          })),
        ),
      ]);
      const jpeg = await encodeImage(thumbnail(drawn, 320), 'jpeg', { quality: 80 });
      const file = `${String(i + 1).padStart(2, '0')}.jpg`;
      await writeInside(out, `disagreements/${file}`, jpeg);
      items.push({
        caption,
        src: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
        alt: id,
        file: `disagreements/${file}`,
      });
    } catch (error) {
      if (error instanceof DataError) process.stderr.write(`compare: ${describeCliError(error)}\n`);
      items.push({
        caption: `${caption} (could not draw: ${error instanceof Error ? error.message : String(error)})`,
        src: '',
      });
    }
  }
  return {
    title: `Where the runs disagree most (${items.length})`,
    note: 'The image with the ground truth and each run’s boxes at its own CAM threshold; captions give each run’s best IoU.',
    items,
  };
}
