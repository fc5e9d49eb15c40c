/**
 * A batch's post-processing in chunks over the workers: every image once, in order, each chunk
 * with its own images' outputs; a chunk that fails gives error records for its images alone.
 */
import type { ImageGeometry, Inference } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import type { ImageRecord, WorkItem } from '../../src/pipeline/image-work.js';
import { type PostBatch, postInChunks } from '../../src/pipeline/post-batch.js';
import { postChunkSize } from '../../src/pipeline/schedule-plan.js';

const CLASSES = 4;
const GEOMETRY: ImageGeometry = {
  originalWidth: 8,
  originalHeight: 8,
  resizeWidth: 8,
  resizeHeight: 8,
  cropX: 0,
  cropY: 0,
  inputWidth: 8,
  inputHeight: 8,
};

/** A batch of n inferences whose scores all lie in one buffer (as a session returns them). */
function batchOf(n: number): {
  items: WorkItem[];
  ok: { inference: Inference; prepareMs: number; inferMs: number }[];
} {
  const scores = new Float32Array(n * CLASSES);
  for (let i = 0; i < scores.length; i++) scores[i] = i;
  const items = Array.from({ length: n }, (_, i) => ({ id: `img${i}`, file: `/data/img${i}.jpg` }));
  const ok = items.map((item, i) => ({
    inference: {
      prepared: { file: item.file, tensor: new Float32Array(0), geometry: GEOMETRY },
      scores: scores.subarray(i * CLASSES, (i + 1) * CLASSES),
      features: new Float32Array(0),
      ranked: [],
    } as unknown as Inference,
    prepareMs: 1,
    inferMs: 2,
  }));
  return { items, ok };
}

/** What a worker would return: a record per image, naming the first score it was given. */
function recordsOf(batch: PostBatch): ImageRecord[] {
  return batch.items.map(
    (item, i) => ({ id: item.id, file: item.file, status: 'ok', first: batch.scores[i * CLASSES] }) as never,
  );
}

describe('postChunkSize', () => {
  it('spreads a batch over the workers, at least one image a chunk', () => {
    expect(postChunkSize(32, 15)).toBe(3);
    expect(postChunkSize(8, 2)).toBe(4);
    expect(postChunkSize(8, 3)).toBe(3);
    expect(postChunkSize(5, 16)).toBe(1);
    expect(postChunkSize(7, 0)).toBe(7);
  });
});

describe('postInChunks', () => {
  it('hands each chunk its own images and outputs, and gives the records back in input order', async () => {
    const { items, ok } = batchOf(8);
    const seen: string[][] = [];
    const records = await postInChunks(items, ok, 3, async (batch) => {
      seen.push(batch.items.map((i) => i.id));
      return recordsOf(batch);
    });
    expect(seen).toEqual([
      ['img0', 'img1', 'img2'],
      ['img3', 'img4', 'img5'],
      ['img6', 'img7'],
    ]);
    expect(records.map((r) => r.id)).toEqual(items.map((i) => i.id));
    // Each image saw its own scores, not its chunk neighbour's.
    expect(records.map((r) => (r as unknown as { first: number }).first)).toEqual(
      items.map((_, i) => i * CLASSES),
    );
  });

  it('turns a failed chunk into error records for its images, and keeps the others', async () => {
    const { items, ok } = batchOf(6);
    const records = await postInChunks(items, ok, 3, async (batch) => {
      if (batch.items[0]!.id === 'img2') throw new Error('worker died');
      return recordsOf(batch);
    });
    expect(records.map((r) => [r.id, r.status])).toEqual([
      ['img0', 'ok'],
      ['img1', 'ok'],
      ['img2', 'error'],
      ['img3', 'error'],
      ['img4', 'ok'],
      ['img5', 'ok'],
    ]);
    expect((records[2] as { error?: string }).error).toContain('worker died');
  });
});
