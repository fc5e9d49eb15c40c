/**
 * The "Add a metric" recipe for a metric of scope 'maps', proven on `eval --cams`: the toy
 * metric's module and its row (toy-maps-metric.ts; `TOY_MAPS_TABLE` is the one line `METRICS`
 * would get) reach eval's metrics.json, its summary line and a shard's part, with nothing else
 * edited; the other metrics stay exactly as they were.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summaryLines, writeScoreMapNpy } from '@cam-localize/eval';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { evaluate } from '../../src/commands/eval.js';
import type { EvalFlags } from '../../src/pipeline/eval-images.js';
import { TOY_MAPS_TABLE } from './toy-maps-metric.js';

const tmp = mkdtempSync(join(tmpdir(), 'cam-toy-maps-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Four 224x224 images with one box each; maps 0, 2 and 3 peak inside their box, map 1 outside. */
function toyDataset(): { root: string; cams: string } {
  const root = join(tmp, 'ds');
  const cams = join(tmp, 'cams');
  mkdirSync(root, { recursive: true });
  mkdirSync(join(cams, 'images'), { recursive: true });
  const ids = [0, 1, 2, 3].map((i) => `images/im${i}.jpg`);
  writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
  writeFileSync(join(root, 'class_labels.txt'), ids.map((id) => `${id},0`).join('\n'));
  writeFileSync(join(root, 'image_sizes.txt'), ids.map((id) => `${id},224,224`).join('\n'));
  writeFileSync(join(root, 'localization.txt'), ids.map((id) => `${id},40,40,120,120`).join('\n'));
  ids.forEach((id, i) => {
    const data = new Float32Array(224 * 224);
    const [cx, cy] = i === 1 ? [180, 180] : [80, 80];
    for (let y = 0; y < 224; y++)
      for (let x = 0; x < 224; x++) data[y * 224 + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 800);
    writeScoreMapNpy(join(cams, `${id}.npy`), { width: 224, height: 224, data });
  });
  return { root, cams };
}

function flags(cams: string, out: string, extra: Partial<EvalFlags> = {}): EvalFlags {
  return {
    cams,
    protocol: 'wsolevaluation',
    boxes: 'all',
    interval: 0.01,
    out,
    trustSizes: true,
    progressInterval: 0,
    workers: 0,
    ...extra,
  };
}

/** Runs `eval --cams` in this process with `table`, and returns its --out file and stderr. */
async function evalWith(
  root: string,
  evalFlags: EvalFlags,
  table?: typeof TOY_MAPS_TABLE,
): Promise<{ written: Record<string, unknown>; stderr: string }> {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  await evaluate(root, evalFlags, table === undefined ? {} : { metrics: table });
  vi.restoreAllMocks();
  return { written: JSON.parse(readFileSync(evalFlags.out!, 'utf8')), stderr: lines.join('') };
}

describe("a toy 'maps' metric added by its module and its row alone", () => {
  it("reaches eval --cams's metrics.json and summary line; the other metrics stay as they were", async () => {
    const { root, cams } = toyDataset();
    const { written, stderr } = await evalWith(root, flags(cams, join(tmp, 'toy.json')), TOY_MAPS_TABLE);
    expect(written.peakInBox).toEqual({ images: 4, rate: 75 });
    expect(summaryLines(written, TOY_MAPS_TABLE)).toContain('Peak in box 75.00% of 4 maps');
    expect(stderr).toContain('Peak in box 75.00% of 4 maps');

    const without = await evalWith(root, flags(cams, join(tmp, 'plain.json')));
    const { peakInBox: _, ...others } = written;
    expect(without.written).toEqual(others);
    expect(without.stderr).not.toContain('Peak in box');
  });

  it("keeps its state in a shard's part, beside the other rows'", async () => {
    const { root, cams } = toyDataset();
    const out = join(tmp, 'part.json');
    const { written } = await evalWith(root, flags(cams, out, { shard: '1/2' }), TOY_MAPS_TABLE);
    const ids = written.ids as string[];
    const hits = ids.filter((id) => id !== 'images/im1.jpg').length;
    expect(ids.length).toBeGreaterThan(0);
    expect(written.peakInBox).toEqual({ kind: 'peak-in-box', images: ids.length, hits });
    expect((written.metrics as Record<string, unknown>).peakInBox).toEqual({
      images: ids.length,
      rate: (100 * hits) / ids.length,
    });
  });
});
