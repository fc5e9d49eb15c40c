/**
 * Ctrl-C (SIGINT) or SIGTERM in the middle of a run: every finished image is already a complete
 * line of results.jsonl, so the process says what is kept and how to go on, and exits with the
 * shell's code for the signal (130, 143). Exit handlers (the run lock) run on the way out.
 */
import { EXIT_USAGE } from '../exit-codes.js';

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Installs the handlers; `describe` says what was kept. Returns a function that removes them. */
export function exitOnInterrupt(describe: () => string, flush: () => void = () => {}): () => void {
  const handler = (signal: NodeJS.Signals) => {
    try {
      flush();
    } finally {
      process.stderr.write(`\ncam-localize: interrupted (${signal}). ${describe()}\n`);
      process.exit(SIGNAL_EXIT[signal] ?? EXIT_USAGE);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * The command line that continues this run: the same arguments with --resume (and without
 * --overwrite, which would discard what was kept), quoted for a POSIX shell.
 */
export function resumeCommand(args: readonly string[]): string {
  const kept = args.filter((a) => a !== '--overwrite');
  if (!kept.includes('--resume')) kept.push('--resume');
  return ['cam-localize', ...kept.map(shellQuote)].join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
