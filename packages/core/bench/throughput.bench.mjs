/**
 * Throughput of the whole pipeline against the bare model, measured side by side in one run:
 * (a) bare onnxruntime forward passes on ready tensors at the CLI's batch size, (b) `cam-localize run`
 * end to end (decode, preprocess, forward, CAM, boxes, results written), (c) b/a; and the peak RSS of
 * a 1000-image run and of a run four times as long (it must stay flat).
 * Needs the test bed (../shared or $CAM_LOCALIZE_SHARED) and a built CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const sharedDir = resolve(process.env.CAM_LOCALIZE_SHARED ?? join(root, '..', 'shared'));
const bin = join(root, 'packages', 'cli', 'dist', 'bin.cjs');
const ilsvrc = join(sharedDir, 'datasets', 'ilsvrc2012-val-1000');
const BATCH = 8;

const models = [
  {
    name: 'resnet18 (seed)',
    file: join(sharedDir, 'models', 'untrained', 'resnet18.onnx'),
    preset: 'imagenet',
    images: 200,
  },
  {
    name: 'mobilenetv2',
    file: join(sharedDir, 'models', 'mobilenetv2-1.0-imagenet.onnx'),
    preset: 'mobilenet',
    images: 400,
  },
];

/** A wsolevaluation metadata folder over the first `count` sample images, repeated `copies` times. */
function dataset(count, copies = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'cam-bench-'));
  const lines = (name) => readFileSync(join(ilsvrc, name), 'utf8').trim().split('\n');
  const ids = lines('image_ids.txt').slice(0, count);
  const keep = new Set(ids);
  const out = { image_ids: [], class_labels: [], image_sizes: [], localization: [] };
  for (let c = 0; c < copies; c++) {
    const folder = `images${c}`;
    symlinkSync(join(ilsvrc, 'images'), join(dir, folder));
    const rename = (line) => line.replace(/^images\//, `${folder}/`);
    out.image_ids.push(...ids.map(rename));
    for (const name of ['class_labels', 'image_sizes', 'localization']) {
      out[name].push(
        ...lines(`${name}.txt`)
          .filter((l) => keep.has(l.split(',')[0]))
          .map(rename),
      );
    }
  }
  for (const [name, list] of Object.entries(out))
    writeFileSync(join(dir, `${name}.txt`), `${list.join('\n')}\n`);
  return dir;
}

async function bareForward(file, images) {
  const session = await ort.InferenceSession.create(file);
  const [h, w] = [224, 224];
  const input = new Float32Array(BATCH * 3 * h * w).map(() => Math.random() * 2 - 1);
  const feed = { [session.inputNames[0]]: new ort.Tensor('float32', input, [BATCH, 3, h, w]) };
  await session.run(feed); // warm-up
  const started = performance.now();
  let done = 0;
  while (done < images) {
    await session.run(feed);
    done += BATCH;
  }
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  return done / seconds;
}

function runCli(args) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const stderr = result.stderr ?? '';
  const rate = /\(([\d.]+) img\/s, [a-z]+, peak RSS (\d+) MB\)/.exec(stderr);
  if (result.status !== 0 || !rate)
    throw new Error(`cam-localize run failed (${result.status}): ${stderr.slice(-600)}`);
  return { rate: Number(rate[1]), rssMb: Number(rate[2]) };
}

export default async function bench() {
  if (!existsSync(ilsvrc))
    return [{ name: 'skipped: no test bed', value: Number.NaN, unit: '', note: sharedDir }];
  if (!existsSync(bin))
    return [{ name: 'skipped: CLI not built', value: Number.NaN, unit: '', note: 'pnpm build' }];
  const rows = [];
  const out = mkdtempSync(join(tmpdir(), 'cam-bench-out-'));
  for (const model of models) {
    const data = dataset(model.images);
    const bare = await bareForward(model.file, model.images);
    const e2e = runCli([
      'run',
      data,
      '--model',
      model.file,
      '--preset',
      model.preset,
      '--batch',
      String(BATCH),
      '--no-report',
      '--out',
      join(out, model.preset),
    ]);
    rows.push(
      {
        name: `${model.name}: (a) bare forward, batch ${BATCH}`,
        value: bare,
        unit: 'img/s',
        note: `${model.images} images`,
      },
      {
        name: `${model.name}: (b) end to end`,
        value: e2e.rate,
        unit: 'img/s',
        note: 'decode, preprocess, forward, CAM, boxes, JSONL',
      },
      { name: `${model.name}: (c) ratio b/a`, value: e2e.rate / bare, unit: 'x', note: 'target >= 0.9' },
    );
  }
  const fast = join(sharedDir, 'models', 'mobilenetv1-0.25-128-imagenet.onnx');
  const rss = [];
  for (const copies of [1, 4]) {
    const r = runCli([
      'run',
      dataset(1000, copies),
      '--model',
      fast,
      '--preset',
      'mobilenet',
      '--no-report',
      '--out',
      join(out, `rss${copies}`),
    ]);
    rss.push(r.rssMb);
    rows.push({
      name: `peak RSS, ${1000 * copies}-image run`,
      value: r.rssMb,
      unit: 'MB',
      note: `mobilenetv1-0.25, ${r.rate.toFixed(0)} img/s`,
    });
  }
  rows.push({
    name: 'peak RSS ratio 4000/1000 images',
    value: rss[1] / rss[0],
    unit: 'x',
    note: 'flat = about 1',
  });
  return rows;
}
