#!/usr/bin/env node
/**
 * Bundles the page of `cam-localize view` (page/main.ts) with esbuild into dist/view/page.js: one
 * classic script (it must also run from file://, where module scripts are refused), no CDN.
 * The page uses core's resampleScoreMap, localize and eval's IoU as they are; the Node modules
 * they import elsewhere are stubbed, and node:fs's readFileSync hands core's WebAssembly loader the
 * committed resize.wasm, inlined, so the browser upsamples with the same SIMD kernel (or the JS
 * twin where WebAssembly SIMD is missing).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasm = readFileSync(join(cli, '..', 'core', 'wasm', 'resize.wasm')).toString('base64');

const stubs = {
  name: 'node-stubs',
  setup(b) {
    b.onResolve({ filter: /^(node:|sharp$|onnxruntime-node$|@jsquash\/)/ }, (args) => ({
      path: args.path,
      namespace: 'stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({
      contents:
        args.path === 'node:fs'
          ? `const wasm = Uint8Array.from(atob(${JSON.stringify(wasm)}), (c) => c.charCodeAt(0));
             module.exports = { readFileSync: () => wasm, constants: {} };`
          : 'module.exports = { constants: {} };',
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  plugins: [stubs],
  banner: { js: 'var process = globalThis.process || { env: {} };' },
  logLevel: 'warning',
};
// The sweep worker (page/sweep-worker.ts) goes into the page as a string, started from a blob:
// URL, since a page opened from file:// may not start a worker from a file.
const worker = await build({
  ...common,
  entryPoints: [join(cli, 'page', 'sweep-worker.ts')],
  write: false,
  define: { 'import.meta.url': '"file:///cam-localize/view/sweep-worker.js"' },
});
const result = await build({
  ...common,
  entryPoints: [join(cli, 'page', 'main.ts')],
  outfile: join(cli, 'dist', 'view', 'page.js'),
  define: {
    'import.meta.url': '"file:///cam-localize/view/page.js"',
    SWEEP_WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text),
  },
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
process.stdout.write(
  `view page: dist/view/page.js (${(bytes / 1024).toFixed(0)} KB, sweep worker included)\n`,
);
