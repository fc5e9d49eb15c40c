/** Runs the built `cam-localize` bin as a real child process (exit codes, stdout, stderr). */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.cjs');
/** The ES-module entry kept for `node dist/bin.js` (it re-runs through bin.cjs when needed). */
export const ESM_BIN = join(dirname(BIN), 'bin.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; bin?: string; nodeFlags?: readonly string[] } = {},
): Promise<CliResult> {
  // A variable given as undefined is removed (spawn would pass the string "undefined").
  const env = Object.fromEntries(
    Object.entries({ ...process.env, ...options.env }).filter(([, v]) => v !== undefined),
  );
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
