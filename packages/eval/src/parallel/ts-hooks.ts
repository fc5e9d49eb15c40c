/**
 * Where eval's score worker (score-worker, started by core's `TaskPool`) is loaded from: from
 * dist/ the compiled `score-worker.js` sits next to this module; from src/ (vitest)
 * `score-worker.ts` is loaded through module hooks that transpile TypeScript.
 */
import { workerModuleFlavour } from '@cam-localize/core/workers';

/** How the worker will be started: 'compiled' (dist/parallel/score-worker.js) or 'source' (via hooks). */
export function workerFlavour(): 'compiled' | 'source' | 'missing' {
  return workerModuleFlavour(import.meta.url, 'score-worker');
}
