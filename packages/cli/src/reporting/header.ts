/** The report's header: what was run, on what, with which settings, when, and how fast. */
import { basename } from 'node:path';
import type { ReportHeaderItem } from '@cam-localize/eval';
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
  const preset = config.preprocessFlags.preset;
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
    { label: 'preset', value: preset ?? 'none (the model’s own or the default preprocessing)' },
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
