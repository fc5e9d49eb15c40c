/**
 * The sweep workers of the page: every image's IoU curve over the slider's positions, computed
 * after the first paint off the page's thread (page/sweep-worker.ts, bundled in as a string).
 */
import type { ViewRun } from '../src/view/view-data.js';
import { iouCurve } from './compute.js';
import type { SweepReply, SweepRequest } from './sweep-worker.js';

/** The bundled sweep worker's source (bundle-view.mjs). */
declare const SWEEP_WORKER_SOURCE: string;

/** A run whose images' curves arrive. */
export interface SweptRun {
  readonly run: ViewRun;
  /** Each image's IoU at every slider position (iouCurve), once computed. */
  readonly curves: (Float64Array | undefined)[];
  curvesLeft: number;
}

/**
 * Starts the sweep workers (one per core but one, at most 4) on every image's IoU curve; where a worker
 * cannot start, the curves are computed on this thread in slices between events.
 */
export function startSweeps(sides: readonly SweptRun[], finished: (ms: number) => void): void {
  const started = performance.now();
  const done = () => {
    if (sides.every((s) => s.curvesLeft === 0)) finished(performance.now() - started);
  };
  const take = (side: SweptRun, index: number, curve: Float64Array) => {
    if (side.curves[index] === undefined) side.curvesLeft--;
    side.curves[index] = curve;
  };
  const jobs = sides.flatMap((side) => side.run.images.map((image, index) => ({ side, index, image })));
  // One core stays with the page, so that slider moves before the curves are in stay quick.
  const count = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
  let workers: Worker[] = [];
  try {
    const url = URL.createObjectURL(new Blob([SWEEP_WORKER_SOURCE], { type: 'text/javascript' }));
    workers = Array.from({ length: count }, () => new Worker(url));
  } catch {
    workers = [];
  }
  if (workers.length === 0) {
    let next = 0;
    const slice = () => {
      const until = performance.now() + 12;
      while (next < jobs.length && performance.now() < until) {
        const { side, index, image } = jobs[next++]!;
        take(side, index, iouCurve(side.run, image));
      }
      if (next < jobs.length) setTimeout(slice, 0);
      else done();
    };
    setTimeout(slice, 0);
    return;
  }
  for (const [w, worker] of workers.entries()) {
    worker.onmessage = ({ data: reply }: MessageEvent<SweepReply>) => {
      const side = sides.find((s) => s.run.key === reply.key)!;
      for (const [j, index] of reply.indices.entries()) take(side, index, reply.curves[j]!);
      done();
    };
    for (const side of sides) {
      const request: SweepRequest = {
        key: side.run.key,
        run: { settings: side.run.settings },
        images: side.run.images
          .map((image, index) => ({ index, image }))
          .filter(({ index }) => index % workers.length === w),
      };
      worker.postMessage(request);
    }
  }
}
