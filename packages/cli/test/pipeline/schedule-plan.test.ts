/**
 * The streaming pipeline's scheduling policy: the plan's figures for known set-ups, the bounds they
 * keep for any batch size and worker count, and the preparation window that follows the plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorkItem } from '../../src/pipeline/image-work.js';
import { BatchMemory, PreparationWindow, type Prepared } from '../../src/pipeline/prepare-window.js';
import { postChunkSize, schedulePlan } from '../../src/pipeline/schedule-plan.js';

describe('schedulePlan', () => {
  it('gives the figures the pipeline has been measured with', () => {
    expect(schedulePlan({ batchSize: 8, workers: 2 })).toEqual({
      tasksPerWorker: 9,
      prefetch: 26,
      queuedForwardPasses: 2,
      postWindow: 4,
      postChunkSize: 4,
    });
    expect(schedulePlan({ batchSize: 32, workers: 15 })).toEqual({
      tasksPerWorker: 6,
      prefetch: 122,
      queuedForwardPasses: 2,
      postWindow: 30,
      postChunkSize: 3,
    });
    // Everything on the main thread: counted as one worker, the batch posted as one chunk.
    expect(schedulePlan({ batchSize: 8, workers: 0 })).toEqual({
      tasksPerWorker: 17,
      prefetch: 25,
      queuedForwardPasses: 2,
      postWindow: 2,
      postChunkSize: 8,
    });
    expect(schedulePlan({ batchSize: 1, workers: 16 })).toMatchObject({ tasksPerWorker: 2, prefetch: 33 });
  });

  it('keeps two batches in the workers and in preparation, and spreads a batch over every worker', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 64 }), (batchSize, workers) => {
        const plan = schedulePlan({ batchSize, workers });
        const threads = Math.max(1, workers);
        expect(plan.tasksPerWorker).toBeGreaterThanOrEqual(2);
        expect(plan.tasksPerWorker * threads).toBeGreaterThan(2 * batchSize);
        expect(plan.prefetch).toBeGreaterThanOrEqual(2 * batchSize + 2);
        expect(plan.prefetch).toBeGreaterThanOrEqual(batchSize + plan.tasksPerWorker * threads);
        expect(plan.postWindow).toBe(2 * threads);
        expect(plan.postChunkSize * threads).toBeGreaterThanOrEqual(batchSize);
        expect(Math.ceil(batchSize / plan.postChunkSize)).toBeLessThanOrEqual(threads);
      }),
    );
  });

  it('cuts a group with fewer images into as many chunks as there are workers, at most', () => {
    expect(postChunkSize(5, 3)).toBe(2);
    expect(postChunkSize(0, 3)).toBe(1);
  });
});

describe('PreparationWindow', () => {
  const items = (n: number): WorkItem[] =>
    Array.from({ length: n }, (_, i) => ({ id: `img${i}`, file: `/data/img${i}.jpg` }));

  it('hands on groups of one batch in input order, at most the prefetch ahead of the group being taken', async () => {
    let inPreparation = 0;
    let most = 0;
    const positions: number[] = [];
    const prepare = async (item: WorkItem, _memory: SharedArrayBuffer | undefined, position: number) => {
      inPreparation++;
      most = Math.max(most, inPreparation);
      positions.push(position);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const failed = item.id === 'img4';
      return {
        item,
        ms: 1,
        position,
        ...(failed ? { error: new Error('broken') } : { prepared: { file: item.id } as never }),
      } satisfies Prepared<WorkItem>;
    };
    const window = new PreparationWindow(
      items(11)[Symbol.iterator](),
      4,
      6,
      async (item, memory, position) => {
        const p = await prepare(item, memory, position);
        inPreparation--;
        return p;
      },
      new BatchMemory(16),
    );
    const groups = [];
    for (let group = await window.next(); group !== undefined; group = await window.next())
      groups.push(group);
    expect(groups.map((g) => g.slots.length)).toEqual([4, 4, 3]);
    expect(groups.map((g) => g.ready.map((p) => p.item.id))).toEqual([
      ['img0', 'img1', 'img2', 'img3'],
      ['img5', 'img6', 'img7'],
      ['img8', 'img9', 'img10'],
    ]);
    // The failed image keeps its place among the others, as a failed slot.
    expect(groups[1]!.slots[0]).toMatchObject({ kind: 'failed', item: { id: 'img4' } });
    expect(groups.every((g) => g.memory instanceof SharedArrayBuffer)).toBe(true);
    expect(positions).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2]);
    expect(most).toBeGreaterThan(4);
    expect(most).toBeLessThanOrEqual(6 + 4);
  });
});
