/**
 * The "Add a metric" recipe, proven: a toy metric is one module (toy-metric.ts) and one row in the
 * table (`[...METRICS, BOX_FOUND_METRIC]` here, a line of eval's `METRICS` for real). With nothing
 * else edited it reaches a run's records, metrics.json, the summary line, the report's rows, and
 * the merging of shards; the other metrics stay as they were.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Box } from '@cam-localize/core';
import {
  type FramedImage,
  METRICS,
  MetricSet,
  type MetricSettings,
  summaryLines,
  TOOL_DEFAULTS,
} from '@cam-localize/eval';
import { thresholdGrid } from '@cam-localize/localize';
import { describe, expect, it } from 'vitest';
import { buildReports } from '../../src/reporting.js';
import { sampleRunConfig, sampleRunRecord } from '../run-config-sample.js';
import { BOX_FOUND_METRIC } from './toy-metric.js';

const TABLE = [...METRICS, BOX_FOUND_METRIC];
const SETTINGS: MetricSettings = {
  protocol: TOOL_DEFAULTS,
  thresholds: thresholdGrid(TOOL_DEFAULTS.thresholdInterval),
  command: 'run',
};

/** A 16x16 map, bright over the ground-truth box when `found`, flat otherwise (no box then). */
function framedImage(id: string, found: boolean): FramedImage {
  const gt: Box = { x0: 2, y0: 2, x1: 10, y1: 10 };
  const data = new Float32Array(256);
  if (found) for (let y = 2; y < 10; y++) for (let x = 2; x < 10; x++) data[y * 16 + x] = 1;
  const boxes = found ? [gt] : [];
  return {
    item: { id, file: `/data/set/${id}`, width: 16, height: 16, classIndex: 1, boxes: [gt] },
    gtBoxes: [gt],
    map: { width: 16, height: 16, data },
    gtBoxesOfMap: [gt],
    boxes,
    predictedBoxes: boxes,
    gtClass: 1,
    ranked: [1, 0],
  };
}

/** A run folder whose records hold what each image adds to every metric of `TABLE`. */
async function toyRun(found: readonly boolean[]): Promise<{ dir: string; records: object[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'cam-toy-metric-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(sampleRunConfig()));
  const observer = new MetricSet(SETTINGS, { table: TABLE });
  const records: object[] = [];
  for (const [i, hit] of found.entries()) {
    const id = `img${i}.jpg`;
    records.push({ ...sampleRunRecord(id, hit), ...(await observer.observe(framedImage(id, hit))) });
  }
  writeFileSync(join(dir, 'results.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return { dir, records };
}

describe('a toy metric added by its module and its row alone', () => {
  const found = [true, false, true, true];

  it('reaches the records, metrics.json, the summary line and the report rows', async () => {
    const { dir, records } = await toyRun(found);
    expect(records.map((r) => (r as { toyBoxFound?: number }).toyBoxFound)).toEqual([1, 0, 1, 1]);

    const summary = await buildReports(dir, { galleryCount: 0, writeReports: true, metrics: TABLE });
    const written = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    expect(written.boxFound).toEqual({ images: 4, rate: 75 });
    expect(Object.keys(written).slice(-2)).toEqual(['boxFound', 'warnings']);
    expect(summaryLines(summary.metrics, TABLE)).toContain('Box found 75.00% of 4 images');
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(
      '| Box found | 75% | images whose map gives a box |',
    );

    // Without its row the same folder gives exactly the other metrics, as before.
    const without = await buildReports(dir, { galleryCount: 0, writeReports: false });
    const { boxFound: _, ...others } = written;
    expect(without.metrics).toEqual(others);
    expect(summaryLines(without.metrics).some((line) => line.startsWith('Box found'))).toBe(false);
  });

  it('merges across shards to what one run computes', async () => {
    const { records } = await toyRun(found);
    const whole = new MetricSet(SETTINGS, { table: TABLE });
    const shards = [new MetricSet(SETTINGS, { table: TABLE }), new MetricSet(SETTINGS, { table: TABLE })];
    records.forEach((record, i) => {
      whole.accumulateRecord(record);
      shards[i % 2]!.accumulateRecord(record);
    });
    const merged = new MetricSet(SETTINGS, { table: TABLE });
    // States travel as JSON, as in the part files `merge` adds up.
    for (const shard of shards) merged.mergeStates(JSON.parse(JSON.stringify(shard.states())));
    expect(merged.json()).toEqual(whole.json());
    expect(merged.json().boxFound).toEqual({ images: 4, rate: 75 });
  });
});
