import type { CamModel, Inference, PreparedImage } from '@cam-localize/core';

export interface StreamItem {
  readonly id: string;
  readonly file: string;
}

export interface Timing {
  /** Decode + preprocess of this image. */
  readonly prepareMs: number;
  /** This image's share of its batch's forward pass. */
  readonly inferMs: number;
}

export type Outcome<T extends StreamItem> =
  | { readonly ok: true; readonly item: T; readonly inference: Inference; readonly timing: Timing }
  | { readonly ok: false; readonly item: T; readonly error: unknown };

export interface StreamOptions {
  readonly batchSize: number;
  /** Images decoded ahead of the model (default 2 batches + 2). */
  readonly prefetch?: number;
}

interface Prepared<T> {
  item: T;
  prepared?: PreparedImage;
  error?: unknown;
  ms: number;
}

/**
 * The streaming pipeline: images are decoded and preprocessed ahead of the model (a bounded
 * window, so memory does not grow with the dataset), batched, and run; while the model works on
 * one batch, the previous batch's results are handled (CAMs, boxes, writing). A failing image
 * becomes an error outcome and the stream goes on; a failing batch is retried image by image so
 * one bad input cannot take others down with it.
 */
export async function streamInferences<T extends StreamItem>(
  model: CamModel,
  items: Iterable<T>,
  options: StreamOptions,
  handle: (outcome: Outcome<T>) => Promise<void>,
): Promise<void> {
  const batchSize = Math.max(1, options.batchSize);
  const prefetch = Math.max(batchSize, options.prefetch ?? batchSize * 2 + 2);
  const iterator = items[Symbol.iterator]();
  const window: Promise<Prepared<T>>[] = [];
  let exhausted = false;

  const fill = () => {
    while (!exhausted && window.length < prefetch) {
      const next = iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const item = next.value;
      const started = performance.now();
      window.push(
        model.prepare(item.file, item.id).then(
          (prepared) => ({ item, prepared, ms: performance.now() - started }),
          (error: unknown) => ({ item, error, ms: performance.now() - started }),
        ),
      );
    }
  };

  const nextBatch = async (): Promise<Prepared<T>[]> => {
    const batch: Prepared<T>[] = [];
    fill();
    while (batch.length < batchSize && window.length > 0) {
      const ready = await window.shift()!;
      fill();
      if (ready.prepared === undefined) await handle({ ok: false, item: ready.item, error: ready.error });
      else batch.push(ready);
    }
    return batch;
  };

  let previous: Outcome<T>[] = [];
  for (;;) {
    const batch = await nextBatch();
    if (batch.length === 0) break;
    const running = runBatch(model, batch);
    for (const outcome of previous) await handle(outcome);
    previous = await running;
  }
  for (const outcome of previous) await handle(outcome);
}

async function runBatch<T extends StreamItem>(model: CamModel, batch: Prepared<T>[]): Promise<Outcome<T>[]> {
  const started = performance.now();
  try {
    const inferences = await model.infer(batch.map((b) => b.prepared!));
    const share = (performance.now() - started) / batch.length;
    return inferences.map((inference, i) => ({
      ok: true as const,
      item: batch[i]!.item,
      inference,
      timing: { prepareMs: batch[i]!.ms, inferMs: share },
    }));
  } catch (error) {
    if (batch.length === 1) return [{ ok: false, item: batch[0]!.item, error }];
    const outcomes: Outcome<T>[] = [];
    for (const one of batch) outcomes.push(...(await runBatch(model, [one])));
    return outcomes;
  }
}
