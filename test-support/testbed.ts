/**
 * Locates the shared test bed (real models, photos, golden arrays) for tests and benchmarks.
 * It lives at `../shared` beside the repository; CAM_LOCALIZE_SHARED overrides the location.
 * Nothing from it is ever committed: tests that need it skip loudly where it is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const sharedDir = resolve(process.env.CAM_LOCALIZE_SHARED ?? join(repoRoot, '..', 'shared'));

export const hasTestBed = existsSync(join(sharedDir, 'models')) && existsSync(join(sharedDir, 'datasets'));

/** A path inside the test bed. */
export function shared(...parts: string[]): string {
  return join(sharedDir, ...parts);
}

let warned = false;
/**
 * `describe` that runs only with the test bed present. Without it the suite is declared skipped
 * with one test that names what is missing, and its body is never run (a body that reads a
 * test-bed file while collecting would otherwise fail the whole file on a clean machine).
 */
export const describeWithTestBed: typeof describe.skip = ((name: string, ...rest: unknown[]) => {
  // biome-ignore lint/suspicious/noExplicitAny: forwarding vitest's overloads as they are
  if (hasTestBed) return describe(name, ...(rest as [any]));
  if (!warned) {
    warned = true;
    console.warn(
      `\n[cam-localize] SKIPPING test-bed tests: no test bed at ${sharedDir} ` +
        `(set CAM_LOCALIZE_SHARED to its location)\n`,
    );
  }
  return describe.skip(name, () => {
    it.skip(`needs the test bed at ${sharedDir}`, () => {});
  });
}) as typeof describe.skip;
