/**
 * One fresh process's fixed costs of a command, phase by phase (run by startup.bench.mjs, one
 * process per measurement): `node startup-phases.mjs <command> <model> [dataset cams]` prints one
 * JSON line of milliseconds. The phases are the command's own steps with the command's own modules:
 * process start (to the first line of this script), loading the command's modules, then
 *  - predict, run: reading the model, head detection, the graph edit (the feature output added),
 *    the session (its thread, onnxruntime and graph optimisation), a pipeline thread's start (its
 *    modules and decoder set-up; in the commands the threads start at once and overlap the model's
 *    steps), the first
 *    batch of 8 and a warm one;
 *  - inspect: reading the model and head detection;
 *  - eval: reading the dataset's annotations, the stored-size check against the images' headers,
 *    and scoring the maps (the loop itself, for scale).
 * The final writes (metrics, report) are timed as whole processes by startup.bench.mjs.
 */
import { Worker } from 'node:worker_threads';

const atScript = performance.now();
const [command, model, dataset, cams] = process.argv.slice(2);
const dist = new URL('../dist/', import.meta.url);
const core = new URL('../../core/dist/', import.meta.url);
const ms = {};
let t = performance.now();
const lap = (name) => {
  const now = performance.now();
  ms[name] = now - t;
  t = now;
};
ms['process start'] = atScript;
await import(new URL('main.js', dist).href);
await import(new URL(`commands/${command}.js`, dist).href);
lap('module loading');
if (command === 'predict' || command === 'run' || command === 'inspect') {
  const { readOnnxModel, addGraphOutputs } = await import(new URL('onnx/index.js', core).href);
  const { detectCamHead } = await import('@cam-localize/core');
  t = performance.now();
  const onnx = await readOnnxModel(model);
  lap('model read');
  const head = await detectCamHead(onnx);
  lap('head detection');
  if (command !== 'inspect') {
    const { createSession } = await import(new URL('runtime/index.js', core).href);
    t = performance.now();
    const bytes = addGraphOutputs(onnx, [head.featureTensor]);
    lap('graph edit');
    const session = await createSession(bytes, {
      device: 'cpu',
      outputs: [head.scoreTensor, head.featureTensor],
    });
    lap('session creation');
    // The thread's modules and its decoder set-up (what createPrepareTask awaits before the first
    // image), then ready.
    const worker = new Worker(
      `import(${JSON.stringify(new URL('pipeline/pipeline-worker.js', dist).href)})
        .then(() => import(${JSON.stringify(new URL('image/index.js', core).href)}))
        .then((image) => image.setUpDecoderForPool())
        .then(() => require('node:worker_threads').parentPort.postMessage('loaded'))`,
      { eval: true },
    );
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    lap('pipeline thread start');
    await worker.terminate();
    const input = new Float32Array(8 * 3 * 224 * 224).fill(0.1);
    t = performance.now();
    await session.run(input, 8);
    lap('first batch (8)');
    await session.run(input, 8);
    lap('warm batch (8)');
    await session.release();
  }
}
if (command === 'eval') {
  const { readDataset, verifyStoredSizes, scoreCamDirectory } = await import('@cam-localize/eval');
  const { defaultPoolSize } = await import('@cam-localize/core/workers');
  t = performance.now();
  const data = await readDataset(dataset, {});
  lap('dataset read');
  await verifyStoredSizes(data.items);
  lap('stored-size check');
  await scoreCamDirectory(data, cams, { workers: defaultPoolSize() });
  lap(`scoring ${data.items.length} maps (the loop)`);
}
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 }));
