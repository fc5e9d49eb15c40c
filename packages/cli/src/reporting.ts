/**
 * Turns a run directory into its summary files: metrics.json, results.csv, curves.csv, and the
 * Markdown and HTML reports. Metrics are replayed from results.jsonl (streamed, so memory does
 * not grow with the run), which makes a resumed run count every image exactly once; the report
 * gallery re-renders only the few best and worst images.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeImage, type RgbImage, resizeRgb } from '@cam-localize/core';
import {
  BoxAccuracyEvaluator,
  type BoxAccuracyResult,
  type EvaluationProtocol,
  FaithfulnessAccumulator,
  type FaithfulnessSummary,
  faithfulnessRows,
  faithfulnessSection,
  LocalizationAccuracyEvaluator,
  PROTOCOLS,
  PxapEvaluator,
  type ReportGalleryItem,
  type ReportInput,
  renderHtmlReport,
  renderMarkdownReport,
  TOOL_DEFAULTS,
} from '@cam-localize/eval';
import { thresholdGrid } from '@cam-localize/localize';
import { csvRow } from './pipeline/csv.js';
import { FAITHFULNESS_COLUMNS, faithfulnessCells } from './pipeline/faithfulness-columns.js';
import { scoresFromRanges } from './pipeline/image-evaluator.js';
import { replayPxap } from './pipeline/pxap-record.js';
import type { RunRecord } from './pipeline/records.js';
import { readRunConfig } from './pipeline/run-config.js';
import { RunDirectory, readLatestRecords, writeJsonAtomic } from './pipeline/run-dir.js';

export interface RunMetrics {
  readonly protocol: string;
  readonly images: { total: number; ok: number; failed: number; scored: number };
  /** Class-based rates are null when no scored image has a class the model knows (class-agnostic data). */
  readonly localization: {
    iouThreshold: number;
    gtKnownLoc: number | null;
    top1Loc: number | null;
    top5Loc: number | null;
    top1Cls: number | null;
    top5Cls: number | null;
    predictedClassLoc: number;
  } | null;
  readonly maxBoxAccByIoU: Record<string, number> | null;
  readonly bestThresholdByIoU: Record<string, number> | null;
  /** Mean of MaxBoxAcc over the IoU levels with every contour (wsolevaluation's V2), or null. */
  readonly maxBoxAccV2: number | null;
  /** MaxBoxAcc at IoU 50 with the largest contour only (V1), when the run asked for it. */
  readonly maxBoxAccV1?: number | null;
  readonly boxAccuracy: {
    thresholdInterval: number;
    multiContour: boolean;
    iouLevels: readonly number[];
  } | null;
  /** PxAP over the images with ground-truth masks (mask datasets), as `eval` computes it. */
  readonly pxap?: { pxap: number; images: number } | null;
  /** Why PxAP is undefined although masks were scored. */
  readonly pxapError?: string;
  /** --faithfulness: the metrics' means over the images (predicted class). */
  readonly faithfulness?: FaithfulnessSummary;
  /** Ground truth the metrics could not use, counted once for the run. */
  readonly warnings: {
    /** Images that lacked a label, boxes or mask the rest of the dataset has: in no metric. */
    missingGroundTruth: { images: number; first: { id: string; missing: string[] }[] };
    /** Ground-truth boxes that reached outside their image and were clipped to it. */
    clippedBoxes: number;
  };
}

export interface Summary {
  readonly dir: string;
  readonly metrics: RunMetrics;
  readonly files: string[];
}

export interface ReportOptions {
  /** Renders the overlay of a record for the gallery; no gallery without it. */
  readonly render?: (record: RunRecord) => Promise<RgbImage>;
  readonly galleryCount: number;
  readonly writeReports: boolean;
}

interface Candidate {
  readonly score: number;
  /** Share of the image the ground truth covers (largest box): ties prefer smaller objects. */
  readonly extent: number;
  readonly record: RunRecord;
}

/** The largest ground-truth box's share of the image, 1 when unknown. */
function groundTruthExtent(record: RunRecord): number {
  if (!record.gtBoxes || !record.width || !record.height) return 1;
  let largest = 0;
  for (const [x0, y0, x1, y1] of record.gtBoxes) largest = Math.max(largest, (x1 - x0) * (y1 - y0));
  return largest / (record.width * record.height);
}

export async function buildReports(dir: string, options: ReportOptions): Promise<Summary> {
  const config = await readRunConfig(dir);
  const recorded = config.boxAccuracy;
  const base: EvaluationProtocol = PROTOCOLS[config.protocol] ?? TOOL_DEFAULTS;
  const protocol: EvaluationProtocol = recorded
    ? { ...base, multiContour: recorded.multiContour, iouThresholds: recorded.iouLevels }
    : base;
  const localization = new LocalizationAccuracyEvaluator({ iou: protocol.iou });
  const thresholds = thresholdGrid(protocol.thresholdInterval);
  const boxAccuracy = new BoxAccuracyEvaluator({
    thresholds,
    iouThresholds: protocol.iouThresholds,
    multiContour: protocol.multiContour,
  });
  const pxapEvaluator = new PxapEvaluator({ thresholds });
  const warnings: RunMetrics['warnings'] = { missingGroundTruth: { images: 0, first: [] }, clippedBoxes: 0 };
  const counts = { total: 0, ok: 0, failed: 0, scored: 0 };
  /** Scored images whose class the model knows: without any, class-based metrics mean nothing. */
  let classified = 0;
  const failures: { id: string; error: string }[] = [];
  const best: Candidate[] = [];
  const worst: Candidate[] = [];
  const classNames = new Map<number, string>();

  const faithfulness = config.faithfulness ? new FaithfulnessAccumulator() : undefined;
  // The faithfulness columns follow `error`, and only in runs that computed them.
  const extra = (record: RunRecord) => (faithfulness ? faithfulnessCells(record) : []);
  const csvPath = join(dir, 'results.csv');
  const csv = createWriteStream(csvPath);
  csv.write(
    `id,status,gt_class,gt_name,pred_class,pred_name,pred_score,iou_gt_cam,iou_pred_cam,gt_known_loc,top1_loc,top5_loc,top1_cls,top5_cls,box_x0,box_y0,box_x1,box_y1,error${faithfulness ? `,${FAITHFULNESS_COLUMNS.join(',')}` : ''}\n`,
  );

  for await (const record of readLatestRecords<RunRecord>(join(dir, RunDirectory.RESULTS))) {
    counts.total++;
    if (record.status !== 'ok') {
      counts.failed++;
      if (failures.length < 500) failures.push({ id: record.id, error: record.error ?? 'unknown error' });
      csv.write(csvRow([record.id, 'error', ...Array(16).fill(''), record.error ?? '', ...extra(record)]));
      continue;
    }
    counts.ok++;
    if (record.gtClass !== undefined && record.gtName !== undefined)
      classNames.set(record.gtClass, record.gtName);
    if (record.loc) {
      counts.scored++;
      if (record.gtClass !== undefined && record.gtClass >= 0) classified++;
      localization.accumulateDecisions(record.gtClass ?? -1, record.loc);
    }
    if (record.pxap) replayPxap(pxapEvaluator, record.pxap);
    if (record.faithfulness) faithfulness?.add(record.faithfulness);
    warnings.clippedBoxes += record.clippedBoxes ?? 0;
    if (record.missingGroundTruth) {
      const missing = warnings.missingGroundTruth;
      missing.images++;
      if (missing.first.length < 5) missing.first.push({ id: record.id, missing: record.missingGroundTruth });
    }
    if (record.boxAcc) {
      boxAccuracy.accumulateScores(
        scoresFromRanges(record.boxAcc, protocol.iouThresholds, thresholds.length),
      );
    }
    const shown = record.groundTruth ?? record.predicted;
    if (shown?.iou !== undefined) {
      // Whole-image objects are trivially found: among equal IoUs, show the smaller objects.
      const candidate = { score: shown.iou, extent: groundTruthExtent(record), record };
      keep(best, candidate, options.galleryCount, (a, b) => b.score - a.score || a.extent - b.extent);
      keep(worst, candidate, options.galleryCount, (a, b) => a.score - b.score || a.extent - b.extent);
    }
    const box = (record.predicted?.boxes ?? [])[0];
    const loc = record.loc;
    csv.write(
      csvRow([
        record.id,
        'ok',
        record.gtClass ?? '',
        record.gtName ?? '',
        record.predicted?.class ?? '',
        record.predicted?.name ?? '',
        record.top?.[0]?.score ?? '',
        record.groundTruth?.iou ?? '',
        record.predicted?.iou ?? '',
        loc ? Number(loc.gtKnownLoc) : '',
        loc ? Number(loc.top1Loc) : '',
        loc ? Number(loc.topKLoc) : '',
        loc ? Number(loc.top1Cls) : '',
        loc ? Number(loc.topKCls) : '',
        ...(box ?? ['', '', '', '']),
        '',
        ...extra(record),
      ]),
    );
  }
  await new Promise<void>((done, fail) => csv.end((error?: Error | null) => (error ? fail(error) : done())));

  const loc = counts.scored > 0 ? localization.compute() : undefined;
  const boxes = boxAccuracy.imageCount > 0 ? boxAccuracy.compute() : undefined;
  const { pxap, pxapError } = pxapOf(pxapEvaluator);
  const metrics: RunMetrics = {
    protocol: protocol.name,
    images: counts,
    localization: loc
      ? {
          iouThreshold: loc.iouThreshold,
          gtKnownLoc: classified > 0 ? loc.gtKnownLoc : null,
          top1Loc: classified > 0 ? loc.top1Loc : null,
          top5Loc: classified > 0 ? loc.topKLoc : null,
          top1Cls: classified > 0 ? loc.top1Cls : null,
          top5Cls: classified > 0 ? loc.topKCls : null,
          predictedClassLoc: loc.predictedClassLoc,
        }
      : null,
    ...boxAccuracyJson(boxes, protocol.multiContour),
    boxAccuracy: boxes
      ? {
          thresholdInterval: protocol.thresholdInterval,
          multiContour: protocol.multiContour,
          iouLevels: protocol.iouThresholds,
        }
      : null,
    pxap,
    ...(pxapError === undefined ? {} : { pxapError }),
    ...(faithfulness ? { faithfulness: faithfulness.compute() } : {}),
    warnings,
  };
  const files = [join(dir, RunDirectory.RESULTS), csvPath];
  await writeJsonAtomic(join(dir, 'metrics.json'), metrics);
  files.push(join(dir, 'metrics.json'));
  if (boxes) {
    const lines = [csvRow(['threshold', ...boxes.levels.map((l) => `boxacc_iou${l.iouThreshold}`)])];
    for (let t = 0; t < thresholds.length; t++) {
      lines.push(csvRow([thresholds[t]!.toFixed(6), ...boxes.levels.map((l) => l.curve[t]!.toFixed(4))]));
    }
    await writeFile(join(dir, 'curves.csv'), lines.join(''));
    files.push(join(dir, 'curves.csv'));
  }

  if (options.writeReports) {
    const galleries = options.render
      ? [
          {
            title: `Best ${best.length} (highest IoU)`,
            items: await renderGallery(dir, 'best', best, options.render),
          },
          {
            title: `Worst ${worst.length} (lowest IoU)`,
            items: await renderGallery(dir, 'worst', worst, options.render),
          },
        ]
      : [];
    const input: ReportInput = {
      title: `cam-localize run: ${String(config.dataset ?? dir)}`,
      generated: new Date().toISOString(),
      config: Object.fromEntries(
        Object.entries(config)
          .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
          .map(([k, v]) => [k, v as string | number | boolean | null]),
      ),
      metrics: metricRows(metrics),
      ...(boxes
        ? {
            curves: {
              title: 'BoxAcc vs CAM threshold',
              xLabel: 'CAM threshold',
              yLabel: 'BoxAcc (%)',
              x: thresholds,
              series: boxes.levels.map((l) => ({
                label: `IoU ≥ ${l.iouThreshold}%`,
                y: l.curve,
                best: l.bestThresholdIndex,
              })),
            },
          }
        : {}),
      ...(loc && loc.perClass.size > 0
        ? {
            perClass: {
              title: 'Per class (ground truth)',
              header: ['class', 'name', 'images', 'GT-known Loc %', 'Top-1 Loc %', 'Top-1 Cls %'],
              rows: [...loc.perClass.entries()]
                .sort((a, b) => a[0] - b[0])
                .map(([c, r]) => [c, classNames.get(c) ?? '', r.count, r.gtKnownLoc, r.top1Loc, r.top1Cls]),
            },
          }
        : {}),
      ...(metrics.faithfulness ? { sections: [faithfulnessSection(metrics.faithfulness)] } : {}),
      galleries,
      failures,
    };
    await writeFile(join(dir, 'report.md'), renderMarkdownReport(input));
    await writeFile(join(dir, 'report.html'), renderHtmlReport(input));
    files.push(join(dir, 'report.md'), join(dir, 'report.html'));
  }
  return { dir, metrics, files };
}

/**
 * PxAP of an evaluator's masks, or why it is not defined (e.g. masks with no foreground): one
 * rule for `run`/`report` and for merged `eval` parts.
 */
export function pxapOf(evaluator: PxapEvaluator): {
  pxap: { pxap: number; images: number } | null;
  pxapError?: string;
} {
  if (evaluator.imageCount === 0) return { pxap: null };
  try {
    const result = evaluator.compute();
    return { pxap: { pxap: result.pxap, images: result.count } };
  } catch (error) {
    return { pxap: null, pxapError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * MaxBoxAcc under self-explaining keys, as `run` and `eval` print them: per IoU level, the best
 * threshold per level, and MaxBoxAccV2 (all contours) or MaxBoxAccV1 (largest contour, IoU 50).
 */
export function boxAccuracyJson(
  boxes: BoxAccuracyResult | undefined,
  multiContour: boolean,
): Pick<RunMetrics, 'maxBoxAccByIoU' | 'bestThresholdByIoU' | 'maxBoxAccV2' | 'maxBoxAccV1'> {
  const byLevel = (pick: (l: BoxAccuracyResult['levels'][number]) => number) =>
    boxes ? Object.fromEntries(boxes.levels.map((l) => [String(l.iouThreshold), pick(l)])) : null;
  return {
    maxBoxAccByIoU: byLevel((l) => l.maxBoxAcc),
    bestThresholdByIoU: byLevel((l) => l.bestThreshold),
    maxBoxAccV2: boxes && multiContour ? boxes.maxBoxAccV2 : null,
    ...(multiContour
      ? {}
      : { maxBoxAccV1: boxes?.levels.find((l) => l.iouThreshold === 50)?.maxBoxAcc ?? null }),
  };
}

function metricRows(m: RunMetrics): ReportInput['metrics'] {
  const rows: { name: string; value: number | string; unit?: string; note?: string }[] = [
    { name: 'images', value: `${m.images.ok} ok, ${m.images.failed} failed, ${m.images.scored} with boxes` },
    { name: 'protocol', value: m.protocol },
  ];
  if (m.maxBoxAccV2 !== null) {
    rows.push({
      name: 'MaxBoxAccV2',
      value: m.maxBoxAccV2,
      unit: '%',
      note: 'mean of MaxBoxAcc at IoU 30/50/70',
    });
    for (const [level, value] of Object.entries(m.maxBoxAccByIoU ?? {})) {
      rows.push({
        name: `MaxBoxAcc @ IoU ${level}%`,
        value,
        unit: '%',
        note: `best threshold ${m.bestThresholdByIoU?.[level]?.toFixed(3)}`,
      });
    }
  }
  if (m.pxap) {
    rows.push({ name: 'PxAP', value: m.pxap.pxap, unit: '%', note: `over ${m.pxap.images} masks` });
  }
  if (m.localization) {
    const l = m.localization;
    const rate = (value: number | null) =>
      value === null ? { value: 'n/a (no known classes)' } : { value, unit: '%' };
    rows.push(
      { name: 'GT-known Loc', ...rate(l.gtKnownLoc), note: 'IoU ≥ 0.5 with the GT class CAM' },
      { name: 'Top-1 Loc', ...rate(l.top1Loc), note: 'top-1 class right and IoU ≥ 0.5' },
      { name: 'Top-5 Loc', ...rate(l.top5Loc) },
      { name: 'Top-1 Cls', ...rate(l.top1Cls) },
      { name: 'Top-5 Cls', ...rate(l.top5Cls) },
      {
        name: 'Predicted-class Loc',
        value: l.predictedClassLoc,
        unit: '%',
        note: 'IoU ≥ 0.5 with the top-1 CAM, any class',
      },
    );
  }
  return rows;
}

/** Keeps the `count` best candidates by `order` (a small sorted array; count is a few). */
function keep(
  list: Candidate[],
  candidate: Candidate,
  count: number,
  order: (a: Candidate, b: Candidate) => number,
): void {
  if (count <= 0) return;
  if (list.length === count && order(candidate, list[count - 1]!) >= 0) return;
  list.push(candidate);
  list.sort(order);
  if (list.length > count) list.pop();
}

async function renderGallery(
  dir: string,
  name: string,
  candidates: Candidate[],
  render: (record: RunRecord) => Promise<RgbImage>,
): Promise<ReportGalleryItem[]> {
  const folder = join(dir, 'gallery');
  await mkdir(folder, { recursive: true });
  const items: ReportGalleryItem[] = [];
  for (const [i, { record, score }] of candidates.entries()) {
    const shown = record.groundTruth ?? record.predicted;
    const caption = `${record.id} · ${shown?.name ?? `class ${shown?.class}`} · IoU ${score.toFixed(2)}`;
    try {
      const picture = thumbnail(await render(record), 320);
      const jpeg = await encodeImage(picture, 'jpeg', { quality: 80 });
      await writeFile(join(folder, `${name}-${String(i + 1).padStart(2, '0')}.jpg`), jpeg);
      items.push({ caption, src: `data:image/jpeg;base64,${jpeg.toString('base64')}`, alt: record.id });
    } catch (error) {
      items.push({
        caption: `${caption} (could not render: ${error instanceof Error ? error.message : String(error)})`,
        src: '',
      });
    }
  }
  return items;
}

function thumbnail(image: RgbImage, longest: number): RgbImage {
  const scale = longest / Math.max(image.width, image.height);
  if (scale >= 1) return image;
  return resizeRgb(
    image,
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
    'bilinear',
    true,
  );
}

/** The one-screen summary on stderr at the end of a run. */
export function printSummary(
  summary: Summary,
  run: { seconds: number; images: number; throughput: string },
): void {
  const m = summary.metrics;
  const pct = (v: number | undefined | null) =>
    v === undefined || v === null || Number.isNaN(v) ? 'n/a' : `${v.toFixed(2)}%`;
  const lines = [
    `run: ${m.images.total} images (${m.images.ok} ok, ${m.images.failed} failed); ${run.images} processed now in ${run.seconds.toFixed(1)} s ` +
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
  lines.push(
    `  wrote ${summary.files.map((f) => f.replace(`${summary.dir}/`, '')).join(', ')} in ${summary.dir}`,
  );
  process.stderr.write(`${lines.join('\n')}\n`);
}
