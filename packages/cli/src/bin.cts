#!/usr/bin/env node
// The command's entry, CommonJS on purpose. libuv's thread pool runs every sharp decode of every
// decode worker, and it is sized once, at its first use, from UV_THREADPOOL_SIZE (default 4); Node's
// ES module loader already uses the pool to read an ES entry file, so only a CommonJS entry runs
// before the pool starts. The size rule is core's `recommendedIoThreads` (io-threads.ts), repeated
// here because importing core would start the pool.
import os = require('node:os');

process.env.UV_THREADPOOL_SIZE ??= String(Math.min(1024, Math.max(4, os.availableParallelism() + 4)));

void import('./main.js').then(async ({ main }) => {
  process.exitCode = await main(process.argv.slice(2));
});
