/**
 * `pnpm bench pipeline`: where a CAM pipeline's time goes, and how close it gets to the model.
 *  1. Per-stage CPU cost, one thread, in core-ms per image over sample photos (ResNet-18, imagenet
 *     preset), warm (each stage's second pass over them): decode, resize (Pillow-exact), resize +
 *     normalise into the batch tensor (the fused step the workers run, in WebAssembly and on the
 *     JS passes), the libvips alternative, forward (every onnxruntime thread counted), CAM,
 *     localize (upsample + largest box), the MaxBoxAcc sweep, and writing the record and a .npy map.
 *  2. The pipeline's ceiling: `predict --null-forward` (the model runs on the first batch only,
 *     then its outputs are replayed) with 0, 1, 2 ... workers: images/s and CPU core-ms per image;
 *     the cost of one more image (3000 files against 1: start-up excluded); and with libuv's
 *     thread pool cut to 1 thread (a pool smaller than the decodes need caps the workers).
 *  3. End to end against the bare forward at the same batch (ResNet-18 and MobileNetV2), for
 *     `predict` and `run --protocol wsolevaluation`, and against the seed's PyTorch recipe
 *     (../shared/peers/seed_pipeline.py, when Debian's python3-torch is installed), side by side.
 *     JPEGs decoded by sharp instead of the WebAssembly decoder, and decodes/s of each against
 *     the threads decoding at once.
 *  4. `--resize-engine vips` against the Pillow-exact default: speed (the sample photos, and larger
 *     JPEGs, where libvips shrinks on load), and the CAMs' correlation.
 * Needs the test bed and a built CLI. Every figure is measured in this one run. PIPELINE_SEED_PEER=0
 * skips the PyTorch peer (minutes at batch 1 on 2 loaded cores).
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as corePublic from '@cam-localize/core';
import * as evalPkg from '@cam-localize/eval';
import * as localize from '@cam-localize/localize';

/** Temporary folders of this run (photos, peer weights, run outputs), removed when it ends. */
const scratchDirs = [];
function scratch(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/** The stages timed one by one are internal to core: the bench reads them from core's build. */
const coreInternals = (folder) => import(new URL(`../../core/dist/${folder}/index.js`, import.meta.url).href);
const core = Object.assign(
  {},
  corePublic,
  await import('@cam-localize/core/workers'),
  await coreInternals('onnx'),
  await coreInternals('image'),
  await coreInternals('runtime'),
);

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const sharedDir = resolve(process.env.CAM_LOCALIZE_SHARED ?? join(root, '..', 'shared'));
const bin = join(root, 'packages', 'cli', 'dist', 'bin.cjs');
const photos = join(sharedDir, 'datasets', 'ilsvrc2012-val-1000', 'images');
const RESNET = join(sharedDir, 'models', 'untrained', 'resnet18.onnx');
const MOBILENET = join(sharedDir, 'models', 'mobilenetv2-1.0-imagenet.onnx');
const BATCH = 8;
// onnxruntime-node is core's dependency (the one module that owns it), not the CLI's.
const ort = createRequire(join(root, 'packages', 'core', 'package.json'))('onnxruntime-node');
const cores = availableParallelism();

/** A folder of links to the first `count` sample photos. */
function photoFolder(count) {
  const dir = scratch('cam-bench-photos-');
  for (const name of readdirSync(photos).sort().slice(0, count))
    symlinkSync(join(photos, name), join(dir, name));
  return dir;
}

/** A folder of `times` copies of every sample photo (different files: the command dedupes paths). */
function photoCopies(times) {
  const dir = scratch('cam-bench-copies-');
  for (const name of readdirSync(photos).sort())
    for (let t = 0; t < times; t++) copyFileSync(join(photos, name), join(dir, `${t}-${name}`));
  return dir;
}

/** A wsolevaluation metadata folder over the first `count` sample images (linked: --allow-outside-root). */
function wsolFolder(count) {
  const src = join(sharedDir, 'datasets', 'ilsvrc2012-val-1000');
  const dir = scratch('cam-bench-wsol-');
  symlinkSync(join(src, 'images'), join(dir, 'images'));
  const ids = readFileSync(join(src, 'image_ids.txt'), 'utf8').trim().split('\n').slice(0, count);
  const keep = new Set(ids);
  for (const name of ['image_ids', 'class_labels', 'image_sizes', 'localization']) {
    const lines = readFileSync(join(src, `${name}.txt`), 'utf8')
      .trim()
      .split('\n');
    const kept = name === 'image_ids' ? ids : lines.filter((l) => keep.has(l.split(',')[0]));
    spawnSync('sh', ['-c', `cat > ${join(dir, `${name}.txt`)}`], { input: `${kept.join('\n')}\n` });
  }
  return dir;
}

/** Runs the CLI; returns images/s and CPU core-ms per image from its summary line. */
function cli(args, env = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, ...env },
  });
  const m = /\(([\d.]+) img\/s, [^,]+, batch \d+, \d+ workers, ([\d.]+) CPU core-ms\/img/.exec(r.stderr);
  if (m === null) throw new Error(`cam-localize ${args[0]} failed (${r.status}): ${r.stderr.slice(-600)}`);
  return { rate: Number(m[1]), coreMs: Number(m[2]) };
}

/** CPU core-ms per call of `fn` over `items` (every thread of this process counted). */
async function coreMs(items, fn) {
  // Warm: a first pass over the items (compiled code, caches), then the measured pass, as in a
  // long run. `fn(item, i)` stores its results by index, so the second pass overwrites the first.
  for (const [i, item] of items.entries()) await fn(item, i);
  const before = process.cpuUsage();
  for (const [i, item] of items.entries()) await fn(item, i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / items.length;
}

async function stageCosts(files) {
  const config = core.PRESETS.imagenet;
  const input = { inputWidth: 224, inputHeight: 224 };
  await core.loadImage(files[0]);
  const images = [];
  const decode = await coreMs(files, async (f, i) => {
    images[i] = await core.loadImage(f);
  });
  // What a worker decodes an image into when it keeps no RGB copy for an overlay: the decoder's RGBA.
  const rgbaImages = [];
  const decodeRgba = await coreMs(files, async (f, i) => {
    rgbaImages[i] = await core.loadPixels(f);
  });
  const decodeSharp = await coreMs(files, (f) => core.loadImage(f, { decoder: 'sharp' }));
  const geometries = images.map((img) => core.preprocessGeometry(img.width, img.height, config, input));
  const regions = [];
  const resize = await coreMs([...images.keys()], (i) => {
    const g = geometries[i];
    regions[i] = core.resizeRegion(
      images[i],
      g.resizeWidth,
      g.resizeHeight,
      core.keptRegion(g),
      'bilinear',
      true,
    ).data;
  });
  // What a decode worker runs: the resize writing the normalised values straight into a batch slot.
  const slot = new Float32Array(3 * 224 * 224);
  const preprocess = await coreMs([...images.keys()], (i) => core.preprocess(images[i], config, input, slot));
  const preprocessRgba = await coreMs([...images.keys()], (i) =>
    core.preprocess(rgbaImages[i], config, input, slot),
  );
  // The same work on the JS passes (what runs where WebAssembly is switched off: CAM_LOCALIZE_RESIZE=js).
  const { resizeRegionIntoTensor } = await import(
    new URL('../../core/dist/image/resize-to-tensor.js', import.meta.url).href
  );
  const tables = core.valueTables(config);
  const preprocessJs = await coreMs([...images.keys()], (i) => {
    const g = geometries[i];
    const region = core.keptRegion(g);
    resizeRegionIntoTensor(images[i], g.resizeWidth, g.resizeHeight, region, 'bilinear', true, {
      tensor: slot,
      width: 224,
      plane: 224 * 224,
      x: region.x - g.cropX,
      y: region.y - g.cropY,
      tables,
      order: [0, 1, 2],
    });
  });
  const tensors = images.map((image) => core.preprocess(image, config, input).tensor);
  const vips = await coreMs(files, (f) => core.preprocessWithVips(f, config, input, { file: f }));

  const onnx = await core.readOnnxModel(RESNET);
  const head = await core.detectCamHead(onnx);
  const session = await ort.InferenceSession.create(core.addGraphOutputs(onnx, [head.featureTensor]));
  const batches = [];
  for (let i = 0; i + BATCH <= tensors.length; i += BATCH) {
    const data = new Float32Array(BATCH * 3 * 224 * 224);
    for (let j = 0; j < BATCH; j++) data.set(tensors[i + j], j * 3 * 224 * 224);
    batches.push(data);
  }
  const outputs = [];
  await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', batches[0], [BATCH, 3, 224, 224]) });
  const forward =
    (await coreMs(batches, async (data, i) => {
      outputs[i] = await session.run({
        [session.inputNames[0]]: new ort.Tensor('float32', data, [BATCH, 3, 224, 224]),
      });
    })) / BATCH;
  const headCam = new core.HeadCam(head, 224, 224);
  const per = 512 * 49;
  const maps = [];
  const inferences = outputs.flatMap((out) =>
    Array.from({ length: BATCH }, (_, j) => {
      const scores = out[head.scoreTensor].data.subarray(j * 1000, (j + 1) * 1000);
      return { scores, features: out[head.featureTensor].data.subarray(j * per, (j + 1) * per) };
    }),
  );
  const cam = await coreMs(inferences, async (inf, i) => {
    maps[i] = await headCam.cam(inf, core.rankClasses(inf.scores, 1)[0]);
  });
  // The upsampling alone, its vertical pass in WebAssembly (the default) and in JS: alternated, the
  // best of three each, the maps not kept (a process holding hundreds of MB makes each pass's
  // share of the garbage collection vary more than the difference).
  const { resampleScoreMapJs } = await import(new URL('../../core/dist/resample.js', import.meta.url).href);
  let upsample = Number.POSITIVE_INFINITY;
  let upsampleJs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const wasm = await coreMs(
      [...maps.keys()],
      (i) => void core.resampleScoreMap(maps[i], 224, 224, 'bilinear'),
    );
    const js = await coreMs([...maps.keys()], (i) => void resampleScoreMapJs(maps[i], 224, 224, 'bilinear'));
    upsample = Math.min(upsample, wasm);
    upsampleJs = Math.min(upsampleJs, js);
  }
  const threshold = localize.parseThreshold('0.2');
  const upsampled = [];
  const boxes = await coreMs([...maps.keys()], (i) => {
    const m = core.resampleScoreMap(maps[i], 224, 224, 'bilinear');
    upsampled[i] = m;
    localize.boxesFromMap(m, { threshold, mode: 'largest', connectivity: 8, minArea: 0 });
  });
  const accuracy = new evalPkg.BoxAccuracyEvaluator({
    thresholds: localize.thresholdGrid(0.001),
    iouThresholds: [30, 50, 70],
    multiContour: true,
  });
  const gt = [{ x0: 40, y0: 40, x1: 180, y1: 200 }];
  const sweep = await coreMs(upsampled, (m) => accuracy.imageScores(evalPkg.normalizeMinMaxWsol(m), gt));
  const out = scratch('cam-bench-write-');
  const record = {
    id: 'x',
    file: 'x',
    status: 'ok',
    top: [{ class: 1, score: 0.5 }],
    targets: [{ boxes: [[1, 2, 3, 4]] }],
  };
  const write = await coreMs([...upsampled.keys()], async (i) => {
    JSON.stringify(record);
    await evalPkg.writeScoreMapNpyAsync(join(out, `${i}.npy`), upsampled[i]);
  });
  rmSync(out, { recursive: true, force: true });
  await session.release();
  const rows = [
    ['decode to RGB (WebAssembly JPEG decoder, the default)', decode],
    ["decode, left in the decoder's RGBA (what a worker runs)", decodeRgba],
    ['decode (sharp)', decodeSharp],
    ['resize alone (Pillow-exact, crop-aware, to 8-bit RGB)', resize],
    ['resize + normalise into the batch tensor, from RGB (WebAssembly)', preprocess],
    ['resize + normalise into the batch tensor, from RGBA (WebAssembly: what a worker runs)', preprocessRgba],
    ['resize + normalise into the batch tensor, JS passes', preprocessJs],
    ['decode + resize + normalise with libvips', vips],
    [`forward, batch ${BATCH} (all onnxruntime threads)`, forward],
    ['CAM (closed form, 512x7x7)', cam],
    ['CAM upsample 7x7 to 224x224 (WebAssembly vertical pass, the default)', upsample],
    ['CAM upsample 7x7 to 224x224, JS passes', upsampleJs],
    ['localize: upsample 224x224 + largest box', boxes],
    ['MaxBoxAcc sweep (1000 thresholds, wsolevaluation)', sweep],
    ['write: record + 224x224 .npy', write],
  ];
  return rows.map(([name, value]) => ({ name: `stage: ${name}`, value, unit: 'core-ms/img' }));
}

/**
 * Decodes per second against the threads decoding at once, the WebAssembly decoder against sharp
 * (scripts/gpu/decode-scaling.mjs): on a 16-core GPU host sharp stopped at ~1,450/s from 4 threads
 * up, while the WebAssembly decoder went on to 11,000/s at 15.
 */
function decodeScaling(dir) {
  const script = fileURLToPath(new URL('../../../scripts/gpu/decode-scaling.mjs', import.meta.url));
  const coreDir = fileURLToPath(new URL('../../core', import.meta.url));
  const threads = [...new Set([1, 2, cores])].map(String);
  const r = spawnSync(process.execPath, [script, coreDir, dir, '2', 'wasm,pipeline', ...threads], {
    encoding: 'utf8',
    env: { ...process.env, UV_THREADPOOL_SIZE: String(cores + 4) },
  });
  if (r.status !== 0) throw new Error(`decode-scaling failed: ${r.stderr.slice(-600)}`);
  const results = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const base = Object.fromEntries(results.filter((x) => x.threads === 1).map((x) => [x.mode, x.per_s]));
  return results.map((x) => ({
    name: `decodes/s, ${x.mode === 'wasm' ? 'WebAssembly' : 'sharp'}, ${x.threads} thread${x.threads > 1 ? 's' : ''}`,
    value: x.per_s,
    unit: 'img/s',
    note: `${(x.per_s / base[x.mode]).toFixed(2)}x one thread`,
  }));
}

/**
 * Decode + preprocess of one larger photo, Pillow-exact against libvips (which shrinks JPEGs on
 * load): the sample photos are 227 px, camera photos are not. Synthetic JPEGs (gradients and
 * noise, quality 90) at three sizes; warm, best of 3.
 */
async function largePhotoCosts() {
  const sharp = createRequire(join(root, 'packages', 'core', 'package.json'))('sharp');
  const config = core.PRESETS.imagenet;
  const input = { inputWidth: 224, inputHeight: 224 };
  const slot = new Float32Array(3 * 224 * 224);
  const rows = [];
  for (const [w, h] of [
    [500, 375],
    [1600, 1200],
    [4000, 3000],
  ]) {
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < raw.length; i++)
      raw[i] = (((i % (w * 3)) * 255) / (w * 3) + ((i * 2654435761) >>> 27)) & 255;
    const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    const repeats = w * h > 4e6 ? 4 : 16;
    const cost = async (fn) => {
      await fn(jpeg);
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < 3; r++) best = Math.min(best, await coreMs(Array(repeats).fill(jpeg), fn));
      return best;
    };
    const pil = await cost(async (bytes) =>
      core.preprocess(await core.loadImage(bytes), config, input, slot),
    );
    const vips = await cost((bytes) =>
      core.preprocessWithVips(bytes, config, input, { file: 'x.jpg' }, slot),
    );
    rows.push({
      name: `decode + preprocess a ${w}x${h} JPEG: Pillow-exact / libvips`,
      value: pil / vips,
      unit: 'x',
      note: `${pil.toFixed(1)} / ${vips.toFixed(1)} core-ms`,
    });
  }
  return rows;
}

function seedPeer(dir, count) {
  // PIPELINE_SEED_PEER=0 leaves the peer out (at batch 1 on 2 loaded cores it takes minutes).
  if (process.env.PIPELINE_SEED_PEER === '0') return undefined;
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const probe = spawnSync(python, ['-c', 'import torch, torchvision, cv2'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const weights = scratch('cam-bench-peer-');
  const exp = spawnSync(python, [join(sharedDir, 'peers', 'export_untrained.py'), weights, 'resnet18'], {
    encoding: 'utf8',
  });
  if (exp.status !== 0) throw new Error(`export_untrained.py failed: ${exp.stderr.slice(-400)}`);
  const r = spawnSync(
    python,
    [
      join(sharedDir, 'peers', 'seed_pipeline.py'),
      join(weights, 'resnet18-untrained.pt'),
      dir,
      '--limit',
      String(count),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`seed_pipeline.py failed: ${r.stderr.slice(-400)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()).images_per_s;
}

/**
 * The bare forward through the very session the pipeline uses (same options, same worker thread,
 * the feature output added): batch after batch of one ready input, nothing else.
 */
async function bareForward(file, seconds = 6) {
  const onnx = await core.readOnnxModel(file);
  const head = await core.detectCamHead(onnx);
  const session = await core.createSession(core.addGraphOutputs(onnx, [head.featureTensor]), {
    device: 'cpu',
    outputs: [head.scoreTensor, head.featureTensor],
  });
  const input = new Float32Array(BATCH * 3 * 224 * 224).fill(0.1);
  await session.run(input, BATCH);
  let images = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await session.run(input, BATCH);
    images += BATCH;
  }
  const rate = images / ((performance.now() - started) / 1000);
  await session.release();
  return rate;
}

/** Pearson r of two .npy maps. */
function correlation(a, b) {
  const x = evalPkg.readScoreMapNpy(a).data;
  const y = evalPkg.readScoreMapNpy(b).data;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < x.length; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= x.length;
  my /= y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? (sxx === syy ? 1 : 0) : sxy / Math.sqrt(sxx * syy);
}

export default async function pipelineBench() {
  try {
    return await measure();
  } finally {
    for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

async function measure() {
  if (!existsSync(photos))
    return [{ name: 'skipped', value: Number.NaN, unit: '', note: `no test bed at ${sharedDir}` }];
  const rows = [];
  const dir = photoFolder(400);
  const files = readdirSync(dir)
    .sort()
    .map((n) => join(dir, n));
  rows.push(...(await stageCosts(files.slice(0, 160))));
  rows.push(...(await largePhotoCosts()));

  const resnet = ['--model', RESNET, '--preset', 'imagenet', '--device', 'cpu', '--batch', String(BATCH)];
  const workerCounts = [...new Set([0, 1, 2, Math.max(1, cores - 1)])].sort((a, b) => a - b);
  const ceiling = {};
  for (const w of workerCounts) {
    const r = cli(['predict', dir, ...resnet, '--null-forward', '--workers', String(w)]);
    ceiling[w] = r.rate;
    rows.push({
      name: `null forward, predict, ${w} workers`,
      value: r.rate,
      unit: 'img/s',
      note: `${r.coreMs} CPU core-ms/img`,
    });
  }
  if (ceiling[1] && ceiling[2])
    rows.push({ name: 'null forward scaling, 1 -> 2 workers', value: ceiling[2] / ceiling[1], unit: 'x' });
  // The summary's core-ms count from the first image (model and session made, workers started) and
  // so include the ramp (JIT compilation, first-use set-up: 100+ core-ms): the cost of one more image
  // is the difference between 3000 files (each photo copied three times) and one, per image added.
  // Copies, not links: the command reads each real file once.
  const many = photoCopies(3);
  const manyCount = readdirSync(many).length;
  const all = cli(['predict', many, ...resnet, '--null-forward', '--workers', '1']);
  const one = cli(['predict', photoFolder(1), ...resnet, '--null-forward', '--workers', '1']);
  rmSync(many, { recursive: true, force: true });
  rows.push({
    name: `null forward, predict, 1 worker: CPU cost of one more image (${manyCount} files vs 1)`,
    value: (all.coreMs * manyCount - one.coreMs) / (manyCount - 1),
    unit: 'core-ms/img',
    note: `summary lines: ${all.coreMs} (${manyCount} files) and ${one.coreMs} (1) core-ms/img`,
  });
  // libuv's pool runs every decode of every worker: a pool smaller than the workers caps them.
  const starved = cli(['predict', dir, ...resnet, '--null-forward', '--workers', '2'], {
    UV_THREADPOOL_SIZE: '1',
  });
  rows.push({
    name: 'null forward, predict, 2 workers, libuv pool of 1 thread',
    value: starved.rate,
    unit: 'img/s',
    // A cap shows only where the decodes need more threads than the pool has (many cores:
    // scripts/gpu/ceiling.sh measures 4 threads against the sized pool on a GPU host).
    note: `${(starved.rate / ceiling[2]).toFixed(2)} of the default pool (${Math.max(4, cores + 4)} threads; caps only when decodes need more)`,
  });
  const sharpDecodes = cli(['predict', dir, ...resnet, '--null-forward', '--workers', '2'], {
    CAM_LOCALIZE_JPEG_DECODER: 'sharp',
  });
  rows.push({
    name: 'null forward, predict, 2 workers, JPEGs decoded by sharp',
    value: sharpDecodes.rate,
    unit: 'img/s',
    note: `${sharpDecodes.coreMs} CPU core-ms/img; ${(ceiling[2] / sharpDecodes.rate).toFixed(2)}x slower than the default`,
  });
  rows.push(...decodeScaling(dir));
  const vips = cli(['predict', dir, ...resnet, '--null-forward', '--resize-engine', 'vips']);
  rows.push({
    name: 'null forward, predict, --resize-engine vips',
    value: vips.rate,
    unit: 'img/s',
    note: `${vips.coreMs} CPU core-ms/img`,
  });

  const wsol = wsolFolder(400);
  for (const [name, model, preset] of [
    ['resnet18', RESNET, 'imagenet'],
    ['mobilenetv2', MOBILENET, 'mobilenet'],
  ]) {
    const args = ['--model', model, '--preset', preset, '--device', 'cpu', '--batch', String(BATCH)];
    const bare = await bareForward(model);
    const predict = cli(['predict', dir, ...args]);
    const out = scratch('cam-bench-run-');
    const run = cli([
      'run',
      wsol,
      ...args,
      '--protocol',
      'wsolevaluation',
      '--allow-outside-root',
      '--no-report',
      '--out',
      join(out, 'r'),
    ]);
    rows.push({ name: `${name}: bare forward, batch ${BATCH}`, value: bare, unit: 'img/s' });
    rows.push({
      name: `${name}: predict end to end`,
      value: predict.rate,
      unit: 'img/s',
      note: `${(predict.rate / bare).toFixed(2)} of the bare forward`,
    });
    rows.push({
      name: `${name}: run --protocol wsolevaluation`,
      value: run.rate,
      unit: 'img/s',
      note: `${(run.rate / bare).toFixed(2)} of the bare forward`,
    });
    if (name === 'resnet18') {
      const peer = seedPeer(dir, 400);
      if (peer === undefined)
        rows.push({
          name: 'seed PyTorch recipe',
          value: Number.NaN,
          unit: 'img/s',
          note:
            process.env.PIPELINE_SEED_PEER === '0'
              ? 'PIPELINE_SEED_PEER=0: skipped'
              : 'python3-torch absent: skipped',
        });
      else
        rows.push({
          name: 'seed PyTorch recipe (same photos, same run)',
          value: peer,
          unit: 'img/s',
          note: `predict is ${(predict.rate / peer).toFixed(2)}x`,
        });
    }
  }

  // CAMs with libvips resizing against the Pillow-exact default, on the same photos.
  const cams = scratch('cam-bench-cams-');
  for (const engine of ['pil', 'vips']) {
    cli([
      'predict',
      dir,
      ...resnet,
      '--resize-engine',
      engine,
      '--save-cams',
      join(cams, engine),
      '--cam-size',
      'input',
    ]);
  }
  const rs = readdirSync(join(cams, 'pil')).map((n) =>
    correlation(join(cams, 'pil', n), join(cams, 'vips', n)),
  );
  rs.sort((a, b) => a - b);
  rows.push({
    name: 'CAM correlation, vips vs Pillow-exact resize (400 photos)',
    value: rs.reduce((a, b) => a + b, 0) / rs.length,
    unit: 'mean r',
    note: `min ${rs[0].toFixed(4)}, median ${rs[Math.floor(rs.length / 2)].toFixed(4)}`,
  });
  rmSync(cams, { recursive: true, force: true });
  return rows;
}
