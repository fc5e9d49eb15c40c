// Decode throughput of sharp (libvips) against the number of threads decoding at once, to tell a per-image
// CPU cost from a serial one: node decode-scaling.mjs APP_DIR IMAGE_DIR SECONDS MODES THREADS...
// Each worker thread decodes the images round-robin with the pipeline's settings (concurrency 1, no cache)
// in one of four forms: sharp as the pipeline called it, a bare sharp raw decode, the core's WebAssembly JPEG
// decoder into RGBA as a worker decodes (APP_DIR is then @cam-localize/core), and a pure-JS loop as a
// CPU-scaling control. MODES: a comma list.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

if (isMainThread) {
  const [app, dir, secs, modes, ...threads] = process.argv.slice(2);
  for (const mode of modes.split(',')) {
    for (const n of threads.map(Number)) {
      const counts = await Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise((resolve, reject) => {
              const w = new Worker(new URL(import.meta.url), {
                workerData: { app, dir, secs: Number(secs), mode },
              });
              w.once('message', resolve);
              w.once('error', reject);
            }),
        ),
      );
      const total = counts.reduce((a, b) => a + b, 0);
      console.log(
        JSON.stringify({
          mode,
          threads: n,
          per_s: Math.round(total / Number(secs)),
          per_thread_per_s: Math.round(total / Number(secs) / n),
        }),
      );
    }
  }
} else {
  const { app, dir, secs, mode } = workerData;
  const sharp = createRequire(app + '/')('sharp');
  sharp.concurrency(1);
  sharp.cache(false);
  const bufs = readdirSync(dir)
    .slice(0, 300)
    .map((f) => readFileSync(dir + '/' + f));
  const W = { r: 255, g: 255, b: 255 };
  const wasm = mode === 'wasm' ? await import(app + '/dist/image/jpeg-wasm.js') : undefined;
  const one = {
    wasm: async (b) => {
      if (!(await wasm.decodePlainJpegRgba(b, 1e8))) throw new Error('not decoded in wasm');
    },
    pipeline: (b) =>
      sharp(b, { limitInputPixels: 1e8, failOn: 'warning' })
        .autoOrient()
        .flatten({ background: W })
        .toColourspace('srgb')
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }),
    bare: (b) => sharp(b).raw().toBuffer(),
    js: async () => {
      const a = new Float32Array(224 * 224 * 3);
      let s = 0;
      for (let r = 0; r < 3; r++)
        for (let i = 0; i < a.length; i++) {
          a[i] = (i * 0.5 + r) % 7;
          s += a[i];
        }
      return s;
    },
  }[mode];
  for (let i = 0; i < 20; i++) await one(bufs[i % bufs.length]);
  let n = 0;
  const end = performance.now() + secs * 1000;
  // Two decodes in flight per thread, as a pipeline worker keeps several.
  await Promise.all(
    [0, 1].map(async () => {
      while (performance.now() < end) {
        await one(bufs[n % bufs.length]);
        n++;
      }
    }),
  );
  parentPort.postMessage(n);
}
