/**
 * The page's background worker: each image's IoU curve over every slider position (iouCurve, one
 * boxSweep per image), so that a slider move reads the run's figures instead of recomputing every
 * image's boxes. Posts the curves back in small batches, their buffers transferred.
 */
import type { ViewImage, ViewRun } from '../src/view/view-data.js';
import { iouCurve } from './compute.js';

export interface SweepRequest {
  /** The run's key, sent back with its curves. */
  readonly key: string;
  readonly run: Pick<ViewRun, 'settings'>;
  readonly images: { readonly index: number; readonly image: ViewImage }[];
}

export interface SweepReply {
  readonly key: string;
  readonly indices: number[];
  readonly curves: Float64Array[];
}

const BATCH = 25;
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<SweepRequest>) => void) | null;
  postMessage(message: SweepReply, transfer: Transferable[]): void;
};

scope.onmessage = ({ data }) => {
  const run = data.run as ViewRun;
  for (let start = 0; start < data.images.length; start += BATCH) {
    const reply: SweepReply = { key: data.key, indices: [], curves: [] };
    for (const { index, image } of data.images.slice(start, start + BATCH)) {
      reply.indices.push(index);
      reply.curves.push(iouCurve(run, image));
    }
    scope.postMessage(
      reply,
      reply.curves.map((c) => c.buffer),
    );
  }
};
