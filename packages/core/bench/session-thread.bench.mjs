/**
 * Worker-thread sessions against main-thread sessions (createSession's `thread` option):
 * MobileNetV2 at batch 8 over 400 images, (a) forward passes back to back, (b) the same with 8 ms of
 * busy main-thread JS per batch (standing in for decode/preprocess/CAM work), pipelined as the CLI
 * does: start batch i, do the JS work for batch i+1, then await batch i. In a worker the JS work
 * overlaps the forward pass; on the main thread onnxruntime blocks it, so the two add up.
 * Needs the test bed (../shared or $CAM_LOCALIZE_SHARED) and a built @cam-localize/core.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSession } from '../dist/runtime/session.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const sharedDir = resolve(process.env.CAM_LOCALIZE_SHARED ?? join(root, '..', 'shared'));
const model = join(sharedDir, 'models', 'mobilenetv2-1.0-imagenet.onnx');
const BATCH = 8;
const IMAGES = Number(process.env.BENCH_IMAGES ?? 400);
const BUSY_MS = 8;

function busy(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

async function measure(thread, busyMs) {
  const session = await createSession(model, { device: 'cpu', thread });
  try {
    const input = new Float32Array(BATCH * 3 * 224 * 224);
    for (let i = 0; i < input.length; i++) input[i] = Math.sin(i) * 2;
    await session.run(input, BATCH); // warm up
    const batches = Math.ceil(IMAGES / BATCH);
    const t0 = performance.now();
    let pending = session.run(input, BATCH);
    for (let b = 1; b <= batches; b++) {
      if (busyMs > 0) busy(busyMs); // the JS work for the next batch
      await pending;
      if (b < batches) pending = session.run(input, BATCH);
    }
    return (batches * BATCH) / ((performance.now() - t0) / 1000);
  } finally {
    await session.release();
  }
}

export default async function bench() {
  if (!existsSync(model)) {
    console.warn(`session-thread bench: SKIPPED, no ${model}`);
    return [];
  }
  const rows = [];
  for (const busyMs of [0, BUSY_MS]) {
    const rate = {};
    for (const thread of ['main', 'worker', 'main', 'worker']) {
      const r = await measure(thread, busyMs);
      rate[thread] = Math.max(rate[thread] ?? 0, r); // best of two
    }
    const what = busyMs === 0 ? 'forward only' : `+${busyMs} ms JS/batch`;
    rows.push({
      name: `mobilenetv2 b${BATCH} main thread, ${what}`,
      value: +rate.main.toFixed(1),
      unit: 'img/s',
    });
    rows.push({
      name: `mobilenetv2 b${BATCH} worker thread, ${what}`,
      value: +rate.worker.toFixed(1),
      unit: 'img/s',
      note: `worker/main ${(rate.worker / rate.main).toFixed(3)}`,
    });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await bench());
