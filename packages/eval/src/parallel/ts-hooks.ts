/**
 * Starting the eval worker thread through core's `startModuleWorker`: from dist/ the compiled
 * `worker.js` sits next to this module; from src/ (vitest) `worker.ts` is loaded through module
 * hooks that transpile TypeScript.
 */
import type { Worker } from 'node:worker_threads';
import { UsageError } from '@cam-localize/core';
import { startModuleWorker, workerModuleFlavour } from '@cam-localize/core/workers';

/** How the worker will be started: 'compiled' (dist/parallel/worker.js) or 'source' (worker.ts via hooks). */
export function workerFlavour(): 'compiled' | 'source' | 'missing' {
  return workerModuleFlavour(import.meta.url, 'worker');
}

export function startEvalWorker(workerData: unknown): Worker {
  return startModuleWorker(import.meta.url, 'worker', {
    workerData,
    missing: (path) =>
      new UsageError('E_USAGE', `the eval worker ${path} is missing`, {
        hint: 'rebuild @cam-localize/eval (pnpm build), or pass workers: 1',
      }),
  });
}
