/**
 * Ctrl-C (SIGINT) or SIGTERM in the middle of a run: every finished image is already a complete
 * line of results.jsonl, so the process flushes it, releases what it holds (the run lock), says
 * what is kept and how to go on, and then dies of the same signal, which the shell reports as
 * 130 (143). Re-raising rather than `process.exit` matters: an exit while the ONNX session runs
 * in its worker thread tears the native addon down mid-call and aborts the process.
 */

/**
 * Installs the handlers; `describe` says what was kept, `cleanUp` flushes and releases (it runs
 * before the message). Returns a function that removes them.
 */
export function exitOnInterrupt(describe: () => string, cleanUp: () => void = () => {}): () => void {
  const handler = (signal: NodeJS.Signals) => {
    uninstall();
    try {
      cleanUp();
    } finally {
      process.stderr.write(`\ncam-localize: interrupted (${signal}). ${describe()}\n`);
      process.kill(process.pid, signal);
    }
  };
  const uninstall = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return uninstall;
}

/**
 * The command line that continues this run: the same arguments with --resume (and without
 * --overwrite, which would discard what was kept), quoted for a POSIX shell, after the invocation
 * that actually ran (so that it runs when pasted into the same shell).
 */
export function resumeCommand(
  args: readonly string[],
  ran: readonly string[] = invocation(process.env, process.argv[1]),
): string {
  const kept = args.filter((a) => a !== '--overwrite');
  if (!kept.includes('--resume')) kept.push('--resume');
  return [...ran, ...kept.map(shellQuote)].join(' ');
}

/**
 * How this process was started: `cam-localize` (the repository's bin/ shim, or an installed bin of
 * that name), `pnpm -s cam-localize` (the root script; -s keeps pnpm's banner off stdout), else
 * `node <the entry file>`.
 */
export function invocation(env: NodeJS.ProcessEnv, entry: string | undefined): string[] {
  if (env.CAM_LOCALIZE_INVOKED_AS === 'cam-localize') return ['cam-localize'];
  if (env.npm_lifecycle_event === 'cam-localize') return ['pnpm', '-s', 'cam-localize'];
  if (entry !== undefined && /(^|\/)cam-localize$/.test(entry)) return ['cam-localize'];
  return ['node', shellQuote(entry ?? 'packages/cli/dist/bin.cjs')];
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
