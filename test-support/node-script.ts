/**
 * Runs an ES-module script in a fresh Node.js process: for what a test cannot watch from inside
 * vitest's own thread (whether a process exits by itself, how it dies, a nested worker's crash).
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';

export function runModuleScript(
  script: string,
  timeoutMs = 60_000,
  nodeFlags: readonly string[] = [],
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}
