/**
 * The eval worker thread: one BoxAccuracyEvaluator fed with the batches it is sent (in-memory
 * maps, or score-map files it reads itself), answering each batch with 'done' (plus per-file
 * outcomes) and, on 'finish', its evaluator state (then starting again from zero, so a pool can
 * reuse the thread). A failing batch answers 'failed' and the
 * thread stays idle until terminated.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError, resampleScoreMap } from '@cam-localize/core';
import { serializeError } from '@cam-localize/core/workers';
import { BoxAccuracyEvaluator } from '../evaluators/box-accuracy.js';
import { loadCamForEval } from './cam-file.js';
import type { FileOutcome, FromWorker, ToWorker, WorkerInit } from './worker-messages.js';

const port = parentPort;
if (port === null) throw new Error('the eval worker must run in a worker thread');
const init = workerData as WorkerInit;
const newEvaluator = () =>
  new BoxAccuracyEvaluator({
    multiContour: init.options.multiContour,
    iouThresholds: init.options.iouThresholds,
    ...(init.options.thresholds === undefined ? {} : { thresholds: init.options.thresholds }),
  });
let evaluator = newEvaluator();
const post = (m: FromWorker) => port.postMessage(m);
let failed = false;

port.on('message', (m: ToWorker) => {
  if (failed) return;
  if (m.type === 'ping') {
    post({ type: 'pong' });
    return;
  }
  if (m.type === 'finish') {
    // After any file batch still in progress.
    void chain.then(() => {
      if (failed) return;
      post({ type: 'state', state: evaluator.state() });
      evaluator = newEvaluator(); // ready for the next run of a reused pool
    });
    return;
  }
  if (m.type === 'maps') {
    let i = 0;
    try {
      for (; i < m.maps.length; i++) {
        const job = m.maps[i]!;
        evaluator.accumulateValues(job.data, job.width, job.height, job.gtBoxes);
      }
      post({ type: 'done', id: m.id });
    } catch (e) {
      failed = true;
      const error = serializeError(e);
      post({
        type: 'failed',
        id: m.id,
        error: { ...error, message: `job ${m.first + i}: ${error.message}` },
      });
    }
    return;
  }
  void scoreFiles(m).catch((e) => {
    failed = true;
    post({ type: 'failed', id: m.id, error: serializeError(e) });
  });
});

// File batches await I/O, and message events keep firing meanwhile: chain them so they run one
// at a time, in order.
let chain: Promise<void> = Promise.resolve();
function scoreFiles(m: Extract<ToWorker, { type: 'files' }>): Promise<void> {
  chain = chain.then(async () => {
    if (failed) return;
    const outcomes: FileOutcome[] = [];
    for (const job of m.files) {
      const loaded = await loadCamForEval(job.candidates, init.size, resampleScoreMap, job.sharedStem);
      if (!loaded.ok) {
        outcomes.push({ problem: loaded.problem, scored: false, resized: false });
        continue;
      }
      try {
        evaluator.accumulateValues(loaded.normalized, loaded.width, loaded.height, job.gtBoxes);
        outcomes.push({ scored: true, resized: loaded.resized, nonFinite: loaded.nonFinite });
      } catch (e) {
        outcomes.push({
          problem: { file: loaded.file, kind: 'corrupt', message: describeError(e) },
          scored: false,
          resized: loaded.resized,
        });
      }
    }
    post({ type: 'done', id: m.id, outcomes });
  });
  return chain;
}
