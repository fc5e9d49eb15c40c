#!/usr/bin/env node
/**
 * `node dist/bin.js`, the ES-module entry kept for scripts that name it. The command's entry is
 * bin.cjs: by the time an ES entry runs, libuv's thread pool has started with 4 threads unless
 * UV_THREADPOOL_SIZE was set (see bin.cts). So when it is unset, the command runs in a child
 * process through bin.cjs (stdio, exit code and termination signals passed through); when it is
 * set, here.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  const entry = fileURLToPath(new URL('./bin.cjs', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, entry, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const s of signals) process.on(s, forward);
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal !== null) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
} else {
  const { main } = await import('./main.js');
  process.exitCode = await main(process.argv.slice(2));
}
