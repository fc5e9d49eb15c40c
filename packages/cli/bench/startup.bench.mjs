/**
 * `pnpm bench startup`: the fixed costs of whole commands, as a user's clock sees them.
 *  1. Phases of `predict`/`run` (process start, module loading, model read, head detection, graph
 *     edit, session creation, a pipeline thread's start, first batch, warm batch), of `inspect`
 *     (process start, module loading, model read, head detection) and of `eval` (process start,
 *     module loading, dataset read, stored-size check), each the median over fresh processes
 *     (startup-phases.mjs), with its share of the command's 1000-image whole process measured in
 *     the same run; run's final writes as `report` on a 1000-image run folder.
 *  2. Whole processes side by side, interleaved round by round (A B A B ...; medians, and the first
 *     and second rounds as the cold and warm second runs): `inspect` on ResNet-18; `predict` over the
 *     1000 test-bed photos against a bare onnxruntime-node forward over the same preprocessed
 *     batches (bare-forward.mjs); `predict` against the seed's PyTorch recipe
 *     (../shared/peers/seed_pipeline.py as written: its own batch size, 1, and its own threads,
 *     when python3-torch, -torchvision and -opencv are installed) over the first STARTUP_PEER_PHOTOS
 *     photos; `eval --cams` over 1000 maps against wsolevaluation's BoxEvaluator in Python
 *     (../../eval/bench/peers/wsol_box_eval.py).
 * Settings: STARTUP_ROUNDS (default 3); STARTUP_PEER_PHOTOS (default `auto`: all 1000 photos when a
 * probe says the peer takes under a minute for them, else as many as fit in a minute, since at
 * batch 1 on 2 loaded cores it took 0.4 to 1 s a photo; a number sets it);
 * STARTUP_BASELINE=<root of another built checkout>: its `predict`, `inspect` and `eval` run
 * interleaved with this checkout's, for before/after rows of a change. Figures on a shared machine
 * move: the load average is printed with them.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import os, { tmpdir } from 'node:os';
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
/** `auto` (default): all 1000 photos when a probe says the peer runs them in a minute, fewer otherwise. */
const PEER_PHOTOS = process.env.STARTUP_PEER_PHOTOS ?? 'auto';
const PEER_SECONDS = 60;
const BASELINE = process.env.STARTUP_BASELINE ? resolve(process.env.STARTUP_BASELINE) : undefined;
const BATCH = 8;
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

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

/** A folder of links to the first `count` photos (the photos folder itself for all of them). */
function photoSubset(scratch, count) {
  const names = readdirSync(photos).sort();
  if (count >= names.length) return photos;
  const dir = join(scratch, `photos-${count}`);
  mkdirSync(dir);
  for (const name of names.slice(0, count)) spawnSync('ln', ['-s', join(photos, name), join(dir, name)]);
  return dir;
}

/**
 * How many photos the seed's peer runs: STARTUP_PEER_PHOTOS, or with `auto` all 1000 when a probe
 * over 20 (torch's import included) says they take under PEER_SECONDS, else as many as fit in them
 * (at batch 1 on 2 loaded cores the peer took 0.4 to 1 s a photo: 1000 would be 7 to 15 minutes).
 */
function peerPhotoCount(weights) {
  if (weights === undefined) return 0;
  if (PEER_PHOTOS !== 'auto') return Number(PEER_PHOTOS);
  const probe = timed(python, [
    join(sharedDir, 'peers', 'seed_pipeline.py'),
    weights,
    photos,
    '--limit',
    '20',
  ]);
  const perPhoto = probe.ms / 20;
  if (perPhoto * 1000 <= PEER_SECONDS * 1000) return 1000;
  return Math.max(20, Math.floor((PEER_SECONDS * 1000) / perPhoto / 10) * 10);
}

const loadNow = () => readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');

async function measure(scratch) {
  const load = [loadNow()];
  const batches = await preprocessedBatches(scratch);
  const cams = await camFolder(join(scratch, 'cams'));
  const weights = seedWeights(join(scratch, 'weights'));
  const one = photoSubset(scratch, 1);
  const peerPhotos = photoSubset(scratch, peerPhotoCount(weights));
  const peerCount = readdirSync(peerPhotos).length;
  const model = ['--model', RESNET, '--preset', 'imagenet', '--device', 'cpu', '--batch', String(BATCH)];
  const node = (cli, args) => () => timed(process.execPath, [cli, ...args]);
  const builds = { '': bin };
  if (BASELINE !== undefined) builds[' [baseline]'] = join(BASELINE, 'packages', 'cli', 'dist', 'bin.cjs');
  // Side-by-side groups: within a round each group's sides run back to back, A then B.
  const sides = { 'node -e 0 (bare Node process)': () => timed(process.execPath, ['-e', '0']) };
  for (const [tag, cli] of Object.entries(builds))
    sides[`inspect ResNet-18${tag}`] = node(cli, ['inspect', RESNET]);
  for (const [tag, cli] of Object.entries(builds))
    sides[`predict, 1 photo${tag}`] = node(cli, ['predict', join(one, readdirSync(one)[0]), ...model]);
  for (const [tag, cli] of Object.entries(builds))
    sides[`predict, 1000 photos${tag}`] = node(cli, ['predict', photos, ...model]);
  sides['bare onnxruntime forward, 1000 preprocessed photos'] = () =>
    timed(process.execPath, [
      join(here, 'bare-forward.mjs'),
      RESNET,
      batches.file,
      String(batches.count),
      String(BATCH),
    ]);
  if (weights !== undefined && peerCount < 1000) {
    sides[`predict, ${peerCount} photos`] = node(bin, ['predict', peerPhotos, ...model]);
  }
  if (weights !== undefined) {
    const limit = peerCount < 1000 ? ['--limit', String(peerCount)] : [];
    sides[`seed's PyTorch recipe, ${peerCount} photos`] = () =>
      timed(python, [join(sharedDir, 'peers', 'seed_pipeline.py'), weights, photos, ...limit]);
  }
  for (const [tag, cli] of Object.entries(builds))
    sides[`eval --cams, 1 map${tag}`] = node(cli, ['eval', dataset, '--cams', cams, '--limit', '1']);
  for (const [tag, cli] of Object.entries(builds))
    sides[`eval --cams, 1000 maps${tag}`] = node(cli, ['eval', dataset, '--cams', cams]);
  sides['wsolevaluation BoxEvaluator (Python), 1000 maps'] = () =>
    timed(python, [join(root, 'packages', 'eval', 'bench', 'peers', 'wsol_box_eval.py'), dataset, cams]);
  // run's final writes: `report` (metrics, tables, HTML, the gallery's re-run) on a 1000-photo run.
  const runDir = join(scratch, 'run1000');
  const run1000 = timed(process.execPath, [bin, 'run', dataset, ...model, '--no-report', '--out', runDir]).ms;
  sides["report on a 1000-photo run (run's final writes)"] = node(bin, ['report', runDir]);

  const walls = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const phases = { predict: [], run: [], inspect: [], eval: [] };
  // The baseline's phases, where its checkout has this phases script (copied there for the purpose).
  const baselinePhases = BASELINE && join(BASELINE, 'packages', 'cli', 'bench', 'startup-phases.mjs');
  const before = baselinePhases && existsSync(baselinePhases) ? { predict: [], eval: [] } : {};
  const phasesOf = (script, command) =>
    JSON.parse(
      timed(process.execPath, [script, command, RESNET, dataset, cams]).stdout.trim().split('\n').pop(),
    ).ms;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, side] of Object.entries(sides)) walls[name].push(side().ms);
    for (const command of Object.keys(phases)) {
      phases[command].push(phasesOf(join(here, 'startup-phases.mjs'), command));
      if (before[command]) before[command].push(phasesOf(baselinePhases, command));
    }
    load.push(loadNow());
  }
  const med = (name) => median(walls[name]);
  const whole = {
    predict: ['predict, 1000 photos', med('predict, 1000 photos')],
    run: ['run, 1000 photos, --no-report (first round only)', run1000],
    inspect: ['inspect', med('inspect ResNet-18')],
    eval: ['eval --cams, 1000 maps', med('eval --cams, 1000 maps')],
  };
  const rows = [];
  for (const [command, runs] of Object.entries(phases)) {
    const [label, total] = whole[command];
    for (const phase of Object.keys(runs[0])) {
      const value = median(runs.map((r) => r[phase]));
      const baseline = before[command] && median(before[command].map((r) => r[phase]));
      rows.push({
        name: `phase: ${command}: ${phase}`,
        value,
        unit: 'ms',
        note: `${((100 * value) / total).toFixed(2)}% of ${label} (${(total / 1000).toFixed(1)} s)${baseline === undefined ? '' : `; baseline ${baseline.toFixed(0)} ms`}`,
      });
    }
  }
  const report = med("report on a 1000-photo run (run's final writes)");
  rows.push({
    name: 'phase: run: final writes (report on 1000 photos, whole process)',
    value: report,
    unit: 'ms',
    note: `${((100 * report) / (run1000 + report)).toFixed(2)}% of run + report (${((run1000 + report) / 1000).toFixed(1)} s)`,
  });
  for (const [name, ms] of Object.entries(walls))
    rows.push({
      name: `whole process: ${name}`,
      value: median(ms),
      unit: 'ms',
      note: `median of ${ms.length}; cold (round 1) ${ms[0].toFixed(0)} ms, warm second run ${ms.length > 1 ? ms[1].toFixed(0) : '-'} ms`,
    });
  rows.push({
    name: 'whole process: run, 1000 photos, --no-report (round 1 only)',
    value: run1000,
    unit: 'ms',
  });
  const rate = (name, count = 1000) => count / (med(name) / 1000);
  const bare = rate('bare onnxruntime forward, 1000 preprocessed photos');
  const predict = rate('predict, 1000 photos');
  rows.push({
    name: 'target: predict 1000 photos / bare forward (whole processes)',
    value: predict / bare,
    unit: 'x',
    note: `${predict.toFixed(1)} against ${bare.toFixed(1)} img/s (target 0.9)`,
  });
  if (weights !== undefined) {
    const seed = rate(`seed's PyTorch recipe, ${peerCount} photos`, peerCount);
    const same = peerCount < 1000 ? rate(`predict, ${peerCount} photos`, peerCount) : predict;
    rows.push({
      name: `target: predict / seed's PyTorch recipe, same ${peerCount} photos (whole processes)`,
      value: same / seed,
      unit: 'x',
      note: `${same.toFixed(1)} against ${seed.toFixed(2)} img/s (target 1.3)`,
    });
    if (peerCount < 1000)
      rows.push({
        name: `target: predict 1000 photos / seed's recipe over ${peerCount} photos`,
        value: predict / seed,
        unit: 'x',
        note: `${predict.toFixed(1)} against ${seed.toFixed(2)} img/s; STARTUP_PEER_PHOTOS=1000 runs the peer on all 1000`,
      });
  } else
    rows.push({
      name: "seed's PyTorch recipe",
      value: Number.NaN,
      unit: '',
      note: 'python3-torch/-torchvision/-opencv absent: skipped',
    });
  rows.push({
    name: 'target: eval --cams 1000 maps, wsolevaluation (Python) / eval',
    value: med('wsolevaluation BoxEvaluator (Python), 1000 maps') / med('eval --cams, 1000 maps'),
    unit: 'x',
    note: 'whole processes (target 10)',
  });
  rows.push({
    name: 'target: inspect ResNet-18, whole process',
    value: med('inspect ResNet-18'),
    unit: 'ms',
    note: 'target < 1000',
  });
  rows.push({
    name: 'predict fixed cost (1 photo, whole process)',
    value: med('predict, 1 photo'),
    unit: 'ms',
    note: `${((100 * med('predict, 1 photo')) / med('predict, 1000 photos')).toFixed(1)}% of a 1000-photo predict`,
  });
  if (BASELINE !== undefined)
    for (const name of [
      'inspect ResNet-18',
      'predict, 1 photo',
      'predict, 1000 photos',
      'eval --cams, 1000 maps',
    ])
      rows.push({
        name: `this checkout / baseline: ${name}`,
        value: med(name) / med(`${name} [baseline]`),
        unit: 'x time',
        note: `${med(name).toFixed(0)} against ${med(`${name} [baseline]`).toFixed(0)} ms (baseline ${BASELINE})`,
      });
  rows.push({
    name: 'load average (1, 5, 15 min) before, then after each round',
    value: Number(load[0].split(' ')[0]),
    unit: '',
    note: `${load.join(' | ')}; ${os.availableParallelism()} cores; ${new Date().toISOString()}`,
  });
  return rows;
}
