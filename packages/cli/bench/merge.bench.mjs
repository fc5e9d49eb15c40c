/**
 * `pnpm bench merge`: how fast `cam-localize merge` puts shards back together. Synthesises 50
 * shard run directories of 1000 records each on average (50,000 images split by the same id hash
 * as `run --shard`; records shaped as `run` writes them: top-5, boxes, localization decisions,
 * MaxBoxAcc threshold ranges, timing), written directly without a model. Times, per record:
 * the merge proper (fingerprint and coverage checks, results.jsonl in dataset order), the metrics
 * replay on the merged directory (buildReports, as `merge` runs it), and the whole `merge` command
 * as a child process. MERGE_BENCH_SHARDS and MERGE_BENCH_RECORDS shrink it for a quick check.
 * Needs a built CLI; not the test bed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const bin = join(dist, 'bin.cjs');
const SHARDS = Number(process.env.MERGE_BENCH_SHARDS ?? 50);
const PER_SHARD = Number(process.env.MERGE_BENCH_RECORDS ?? 1000);

const fingerprint = {
  modelSha256: 'f'.repeat(64),
  labelsSha256: null,
  preprocess: { resize: { mode: 'shorter', size: 256 }, crop: [224, 224], mean: [0.485, 0.456, 0.406] },
  resizeEngine: 'pil',
  method: 'cam',
  target: 'predicted',
  normalization: 'relu-minmax',
  threshold: '0.2',
  boxes: 'all',
  connectivity: 8,
  minArea: 1,
  scoreCamChannels: null,
  protocol: 'wsolevaluation',
  boxAccuracy: { multiContour: true, iouLevels: [30, 50, 70] },
  dataset: '/data/ilsvrc',
  format: 'wsolevaluation',
  split: null,
};

function config(shard) {
  return {
    command: 'run',
    dataset: '/data/ilsvrc',
    format: 'wsolevaluation',
    model: '/models/resnet50.onnx',
    labels: null,
    protocol: 'wsolevaluation',
    method: 'cam',
    target: 'predicted',
    normalization: 'relu-minmax',
    threshold: '0.2',
    boxes: 'all',
    boxAccuracy: fingerprint.boxAccuracy,
    connectivity: 8,
    minArea: 1,
    device: 'cuda',
    batch: 32,
    limit: null,
    preprocess: {},
    preprocessFlags: {},
    head: { featureTensor: null, classifierWeights: null, classifierBias: null },
    fingerprint,
    shard,
  };
}

/** A record as `run` writes it, varied by image number. */
function record(id, i) {
  const iou = ((i * 7919) % 1000) / 1000;
  const box = [i % 50, i % 40, 120 + (i % 90), 100 + (i % 110)];
  const low = (i * 31) % 400;
  return {
    id,
    status: 'ok',
    file: `/data/ilsvrc/${id}`,
    width: 500,
    height: 375,
    gtClass: i % 1000,
    gtName: `class ${i % 1000}`,
    gtBoxes: [box],
    top: Array.from({ length: 5 }, (_, k) => ({ class: (i + k) % 1000, score: 0.5 / (k + 1) })),
    predicted: { class: i % 1000, boxes: [box], iou },
    groundTruth: { class: i % 1000, boxes: [box], iou },
    loc: {
      gtKnownLoc: iou >= 0.5,
      top1Loc: iou >= 0.5 && i % 3 > 0,
      topKLoc: iou >= 0.5,
      top1Cls: i % 3 > 0,
      topKCls: true,
      predictedClassLoc: iou >= 0.5,
    },
    boxAcc: {
      30: [[low, low + 300]],
      50: [[low + 50, low + 200]],
      70: iou > 0.7 ? [[low + 90, low + 120]] : [],
    },
    timing: { prepareMs: 2.1, inferMs: 5.3, camMs: 0.4 },
  };
}

async function synthesise(base) {
  const { shardOf, selectShard, writeDatasetIds } = await import(join(dist, 'pipeline', 'shard.js'));
  const ids = Array.from(
    { length: SHARDS * PER_SHARD },
    (_, i) => `val/ILSVRC2012_val_${String(i + 1).padStart(8, '0')}.JPEG`,
  );
  const items = ids.map((id) => ({ id }));
  const lines = Array.from({ length: SHARDS }, () => []);
  for (const [i, id] of ids.entries()) lines[shardOf(id, SHARDS) - 1].push(JSON.stringify(record(id, i)));
  const dirs = [];
  for (let k = 1; k <= SHARDS; k++) {
    const dir = join(base, `shard-${k}`);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify(config(selectShard(items, { index: k, count: SHARDS }).record)),
    );
    writeFileSync(join(dir, 'results.jsonl'), lines[k - 1].map((l) => `${l}\n`).join(''));
    await writeDatasetIds(dir, ids);
    dirs.push(dir);
  }
  return { dirs, images: ids.length, sizes: lines.map((l) => l.length) };
}

export default async function mergeBench() {
  const { mergeShards } = await import(join(dist, 'pipeline', 'merge-shards.js'));
  const { buildReports } = await import(join(dist, 'reporting.js'));
  const base = mkdtempSync(join(tmpdir(), 'cam-merge-bench-'));
  try {
    const { dirs, images, sizes } = await synthesise(base);
    const spread = `${SHARDS} shards of ${Math.min(...sizes)}..${Math.max(...sizes)} records (${images} images)`;
    const start = performance.now();
    await mergeShards(dirs, join(base, 'merged'));
    const merged = performance.now();
    await buildReports(join(base, 'merged'), { galleryCount: 0, writeReports: true });
    const reported = performance.now();
    const cli = spawnSync(process.execPath, [bin, 'merge', ...dirs, '--out', join(base, 'merged-cli')], {
      encoding: 'utf8',
    });
    const cliMs = performance.now() - reported;
    if (cli.status !== 0) throw new Error(`merge failed: ${cli.stderr}`);
    const perRecord = (ms) => (ms * 1000) / images;
    return [
      {
        name: 'merge: checks + results.jsonl in dataset order',
        value: perRecord(merged - start),
        unit: 'µs/record',
        note: `${spread}; ${(merged - start).toFixed(0)} ms in all`,
      },
      {
        name: 'merge: metrics, CSV and reports replayed (buildReports)',
        value: perRecord(reported - merged),
        unit: 'µs/record',
        note: `${(reported - merged).toFixed(0)} ms in all`,
      },
      {
        name: 'merge command end to end (child process)',
        value: perRecord(cliMs),
        unit: 'µs/record',
        note: `${(cliMs / 1000).toFixed(2)} s for ${images} images, Node start included`,
      },
    ];
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await mergeBench())
    console.log(`${row.name}: ${row.value.toFixed(2)} ${row.unit} (${row.note})`);
}
