/** The report's header: what was run, on what, with which settings, when, and how fast. */
import { basename } from 'node:path';
import type { ReportHeaderItem } from '@cam-localize/eval';
import { describePreprocessing } from '../pipeline/preprocess-provenance.js';
import type { RunConfig } from '../pipeline/run-config.js';
import { VERSION } from '../version.js';
import type { RunAnalysis } from './run-analysis.js';
import type { RunSession } from './run-log.js';

/** A dataset's name: the last folder of its path (the absolute path stays in the configuration table). */
export function datasetName(path: string): string {
  return basename(path.replace(/[/\\]+$/, '')) || path;
}

export function runHeader(analysis: RunAnalysis, sessions: readonly RunSession[]): ReportHeaderItem[] {
  const { config, metrics, protocol } = analysis;
  const fingerprint = config.fingerprint;
  const images = metrics.images;
  const items: ReportHeaderItem[] = [
    {
      label: 'dataset',
      value: `${datasetName(config.dataset)} (${config.format}${fingerprint?.split ? `, split ${fingerprint.split}` : ''}${config.limit === null ? '' : `, first ${config.limit}`}${config.shard ? `, shard ${config.shard.index + 1}/${config.shard.count}` : ''})`,
    },
    {
      label: 'model',
      value: `${basename(config.model)}${fingerprint ? ` (sha256 ${fingerprint.modelSha256})` : ''}`,
    },
    { label: 'method', value: `${config.method}, normalization ${config.normalization}` },
    { label: 'target', value: config.target },
    ...preprocessingRows(config),
    { label: 'protocol', value: config.protocol },
    {
      label: 'thresholds',
      value:
        `boxes at CAM threshold ${config.threshold} (${config.boxes} box mode); MaxBoxAcc over thresholds 0 to 1 ` +
        `in steps of ${protocol.thresholdInterval}, IoU levels ${protocol.iouThresholds.join('/')}%` +
        `${protocol.multiContour ? ', all contours' : ', largest contour'}`,
    },
    {
      label: 'images',
      value: `${images.total} processed: ${images.ok} ok, ${images.failed} failed, ${images.scored} scored against ground truth`,
    },
  ];
  const versions = [...new Set(sessions.map((s) => s.toolVersion))];
  items.push({
    label: 'tool version',
    value: `cam-localize ${versions.length > 0 ? versions.join(', ') : 'unknown'} (report by ${VERSION})`,
  });
  if (sessions.length === 0) {
    items.push({ label: 'date', value: 'not recorded (merged shards, or a run from before run-log.json)' });
    return items;
  }
  const last = sessions[sessions.length - 1]!;
  const seconds = sessions.reduce((sum, s) => sum + s.seconds, 0);
  const processed = sessions.reduce((sum, s) => sum + s.images, 0);
  items.push(
    {
      label: 'date',
      value: `${sessions[0]!.started} to ${last.finished}${sessions.length > 1 ? ` (${sessions.length} sessions: resumed)` : ''}`,
    },
    {
      label: 'time and throughput',
      value: `${processed} images in ${seconds.toFixed(1)} s, ${(processed / Math.max(seconds, 1e-9)).toFixed(1)} img/s overall; last session: ${last.throughput}`,
    },
  );
  return items;
}

/**
 * The preprocessing that ran, value by value with where it came from. Runs written before
 * `preprocessRan` show their fingerprint's resolved values, sources not recorded.
 */
function preprocessingRows(config: RunConfig): ReportHeaderItem[] {
  const ran = config.preprocessRan;
  if (ran !== undefined) {
    return [
      { label: 'preset', value: ran.preset },
      ...describePreprocessing(ran.config, ran.sources, ran.inputSize),
    ];
  }
  const preset = config.preprocessFlags.preset;
  const rows: ReportHeaderItem[] = [
    {
      label: 'preset',
      value: preset ?? 'not given (the model’s own or the default preprocessing; sources not recorded)',
    },
  ];
  const resolved = config.fingerprint?.preprocess;
  return resolved === undefined ? rows : [...rows, ...describePreprocessing(resolved, undefined)];
}

/** What an unset (null) setting means, so the configuration table never shows a raw null. */
const UNSET: Readonly<Record<string, string>> = {
  labels: 'none given (the dataset’s or the built-in class names)',
  workers: 'default (cores - 1, at least 2)',
  batch: 'the model’s',
  limit: 'none (every image)',
};

/**
 * The report's configuration table: config.json's plain settings (nulls said in words) and the
 * preprocessing that ran, value by value with its source.
 */
export function configurationRows(config: RunConfig): Record<string, string | number | boolean> {
  const rows: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === null) rows[key] = UNSET[key] ?? 'not set';
    else if (['string', 'number', 'boolean'].includes(typeof value))
      rows[key] = value as string | number | boolean;
  }
  const ran = config.preprocessRan;
  const resolved = ran?.config ?? config.fingerprint?.preprocess;
  if (resolved !== undefined) {
    for (const { label, value } of describePreprocessing(resolved, ran?.sources, ran?.inputSize))
      rows[`preprocessing: ${label}`] = value;
  }
  return rows;
}
