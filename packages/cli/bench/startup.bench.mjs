/**
 * `pnpm bench startup`: the fixed costs of whole commands, as a user's clock sees them.
 *  1. Phases of `predict`/`run` (process start, module loading, model read, head detection, graph
 *     edit, session creation, a pipeline thread's start, first batch, warm batch), of `inspect` and
 *     `eval` (process start, module loading), each the median over fresh processes
 *     (startup-phases.mjs), with its share of a 1000-image `predict` measured in the same run.
 *  2. Whole processes side by side, interleaved round by round (medians; the first round is also
 *     shown as the cold run): `inspect` on ResNet-18; `predict` over the 1000 test-bed photos
 *     against a bare onnxruntime-node forward over the same preprocessed batches (bare-forward.mjs)
 *     and the seed's PyTorch recipe (../shared/peers/seed_pipeline.py, when python3-torch, -torchvision
 *     and -opencv are installed); `eval --cams` over 1000 maps against wsolevaluation's BoxEvaluator
 *     in Python (../../eval/bench/peers/wsol_box_eval.py); `run` with and without its report.
 * STARTUP_ROUNDS (default 3) sets the rounds. Figures on a shared machine move: the load average
 * is printed with them.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { camMap, rng } from '../../localize/bench/cam-maps.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const sharedDir = resolve(process.env.CAM_LOCALIZE_SHARED ?? join(root, '..', 'shared'));
const bin = join(root, 'packages', 'cli', 'dist', 'bin.cjs');
const dataset = join(sharedDir, 'datasets', 'ilsvrc2012-val-1000');
const photos = join(dataset, 'images');
const RESNET = join(sharedDir, 'models', 'untrained', 'resnet18.onnx');
const ROUNDS = Number(process.env.STARTUP_ROUNDS ?? 3);
const BATCH = 8;
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Wall ms of a whole process (throws on failure); `parse` reads its output. */
function timed(cmd, args, options = {}) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  const ms = performance.now() - started;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} failed (${r.status}): ${r.stderr.slice(-600)}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** The 1000 photos preprocessed as predict does (imagenet preset), one float32 file of batches. */
async function preprocessedBatches(dir) {
  // preprocess is internal to core: read from its build, as pipeline.bench.mjs does.
  const core = {
    ...(await import('@cam-localize/core')),
    ...(await import(new URL('../../core/dist/image/index.js', import.meta.url).href)),
  };
  const files = readdirSync(photos).sort();
  const file = join(dir, 'batches.f32');
  const fd = openSync(file, 'w');
  const input = { inputWidth: 224, inputHeight: 224 };
  for (const name of files) {
    const { tensor } = core.preprocess(
      await core.loadImage(join(photos, name)),
      core.PRESETS.imagenet,
      input,
    );
    writeSync(fd, new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength));
  }
  closeSync(fd);
  return { file, count: files.length };
}

/** 1000 CAM-like 224x224 maps named by the dataset's image ids. */
async function camFolder(dir) {
  const { writeScoreMapNpy } = await import('@cam-localize/eval');
  const ids = spawnSync('cat', [join(dataset, 'image_ids.txt')], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n');
  const random = rng(32);
  for (const id of ids) {
    const out = join(dir, `${id}.npy`);
    mkdirSync(dirname(out), { recursive: true });
    const { map } = camMap(random);
    writeScoreMapNpy(out, map);
  }
  return dir;
}

function seedWeights(dir) {
  const probe = spawnSync(python, ['-c', 'import torch, torchvision, cv2'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  mkdirSync(dir, { recursive: true });
  timed(python, [join(sharedDir, 'peers', 'export_untrained.py'), dir, 'resnet18']);
  return join(dir, 'resnet18-untrained.pt');
}

export default async function startupBench() {
  if (!existsSync(photos))
    return [{ name: 'skipped', value: Number.NaN, unit: '', note: `no test bed at ${sharedDir}` }];
  const scratch = mkdtempSync(join(tmpdir(), 'cam-bench-startup-'));
  try {
    return await measure(scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function measure(scratch) {
  const load = [loadavg()[0]];
  const batches = await preprocessedBatches(scratch);
  const cams = await camFolder(join(scratch, 'cams'));
  const weights = seedWeights(join(scratch, 'weights'));
  const subset = join(scratch, 'subset');
  mkdirSync(subset);
  for (const name of readdirSync(photos).sort().slice(0, 16))
    spawnSync('ln', ['-s', join(photos, name), join(subset, name)]);
  const model = ['--model', RESNET, '--preset', 'imagenet', '--device', 'cpu', '--batch', String(BATCH)];
  let runs = 0;
  const run16 = (extra) =>
    timed(process.execPath, [
      bin,
      'run',
      dataset,
      ...model,
      '--limit',
      '16',
      ...extra,
      '--out',
      join(scratch, `run${runs++}`),
    ]);
  const sides = {
    'node -e 0 (bare Node process)': () => timed(process.execPath, ['-e', '0']),
    'inspect ResNet-18': () => timed(process.execPath, [bin, 'inspect', RESNET]),
    'predict, 1 photo': () =>
      timed(process.execPath, [bin, 'predict', join(subset, readdirSync(subset)[0]), ...model]),
    'predict, 1000 photos': () => timed(process.execPath, [bin, 'predict', photos, ...model]),
    'bare onnxruntime forward, 1000 preprocessed photos': () =>
      timed(process.execPath, [
        join(here, 'bare-forward.mjs'),
        RESNET,
        batches.file,
        String(batches.count),
        String(BATCH),
      ]),
    ...(weights === undefined
      ? {}
      : {
          "seed's PyTorch recipe, 1000 photos": () =>
            timed(python, [join(sharedDir, 'peers', 'seed_pipeline.py'), weights, photos]),
        }),
    'eval --cams, 1 map': () =>
      timed(process.execPath, [bin, 'eval', dataset, '--cams', cams, '--limit', '1']),
    'eval --cams, 1000 maps': () => timed(process.execPath, [bin, 'eval', dataset, '--cams', cams]),
    'wsolevaluation BoxEvaluator (Python), 1000 maps': () =>
      timed(python, [join(root, 'packages', 'eval', 'bench', 'peers', 'wsol_box_eval.py'), dataset, cams]),
    'run, 16 photos, with report': () => run16([]),
    'run, 16 photos, --no-report': () => run16(['--no-report']),
  };
  const walls = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const phases = { predict: [], inspect: [], eval: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, side] of Object.entries(sides)) walls[name].push(side().ms);
    for (const command of Object.keys(phases)) {
      const r = timed(process.execPath, [join(here, 'startup-phases.mjs'), command, RESNET]);
      phases[command].push(JSON.parse(r.stdout.trim().split('\n').pop()).ms);
    }
    load.push(loadavg()[0]);
  }
  const med = (name) => median(walls[name]);
  const predictAll = med('predict, 1000 photos');
  const rows = [];
  for (const [command, runs] of Object.entries(phases)) {
    for (const phase of Object.keys(runs[0])) {
      const value = median(runs.map((r) => r[phase]));
      rows.push({
        name: `phase: ${command}: ${phase}`,
        value,
        unit: 'ms',
        note: `${((100 * value) / predictAll).toFixed(2)}% of a 1000-photo predict`,
      });
    }
  }
  for (const [name, ms] of Object.entries(walls))
    rows.push({
      name: `whole process: ${name}`,
      value: median(ms),
      unit: 'ms',
      note: `cold (first round) ${ms[0].toFixed(0)} ms; ${ms.length} rounds`,
    });
  const rate = (name) => 1000 / (med(name) / 1000);
  const bare = rate('bare onnxruntime forward, 1000 preprocessed photos');
  rows.push({
    name: 'predict 1000 photos, whole process',
    value: rate('predict, 1000 photos'),
    unit: 'img/s',
    note: `${(rate('predict, 1000 photos') / bare).toFixed(2)} of the bare forward (target 0.9)`,
  });
  rows.push({ name: 'bare onnxruntime forward, whole process', value: bare, unit: 'img/s' });
  if (weights !== undefined) {
    const seed = rate("seed's PyTorch recipe, 1000 photos");
    rows.push({
      name: "seed's PyTorch recipe, whole process",
      value: seed,
      unit: 'img/s',
      note: `predict is ${(rate('predict, 1000 photos') / seed).toFixed(2)}x (target 1.3)`,
    });
  } else
    rows.push({
      name: "seed's PyTorch recipe",
      value: Number.NaN,
      unit: '',
      note: 'python3-torch/-torchvision/-opencv absent: skipped',
    });
  rows.push({
    name: 'eval --cams 1000 maps vs wsolevaluation (Python)',
    value: med('wsolevaluation BoxEvaluator (Python), 1000 maps') / med('eval --cams, 1000 maps'),
    unit: 'x',
    note: 'whole processes (target 10)',
  });
  rows.push({
    name: 'predict fixed cost (1 photo, whole process)',
    value: med('predict, 1 photo'),
    unit: 'ms',
    note: `${((100 * med('predict, 1 photo')) / predictAll).toFixed(1)}% of a 1000-photo predict`,
  });
  rows.push({
    name: 'run: report (16 photos, with - without)',
    value: med('run, 16 photos, with report') - med('run, 16 photos, --no-report'),
    unit: 'ms',
  });
  rows.push({
    name: 'load average (1 min) before, then after each round',
    value: load[0],
    unit: '',
    note: load.map((l) => l.toFixed(1)).join(', '),
  });
  return rows;
}
