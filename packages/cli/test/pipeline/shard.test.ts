import { UsageError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import {
  assertSameShard,
  idHash,
  idsDigest,
  parseShard,
  type ShardRecord,
  selectShard,
  shardFromEnvironment,
  shardFromFlags,
  shardOf,
} from '../../src/pipeline/shard.js';

const ids = Array.from(
  { length: 5000 },
  (_, i) => `images/ILSVRC2012_val_${String(i + 1).padStart(8, '0')}.JPEG`,
);
const items = ids.map((id) => ({ id }));
const idsOf = (list: readonly { id: string }[]) => list.map((item) => item.id);

describe('the hash split of image ids', () => {
  it('is FNV-1a over UTF-8 bytes (published test vectors), so every machine splits alike', () => {
    expect(idHash('')).toBe(0x811c9dc5);
    expect(idHash('a')).toBe(0xe40c292c);
    expect(idHash('foobar')).toBe(0xbf9cf968);
    expect(idHash('é')).not.toBe(idHash('e'));
  });

  it('puts every id in exactly one shard, whatever the order of the files', () => {
    const count = 7;
    const shards = Array.from({ length: count }, (_, k) =>
      idsOf(selectShard(items, { index: k + 1, count }).items),
    );
    const taken = shards.flat();
    expect(taken).toHaveLength(ids.length);
    expect(new Set(taken).size).toBe(ids.length);
    const reversed = [...items].reverse();
    for (let k = 0; k < count; k++) {
      const again = idsOf(selectShard(reversed, { index: k + 1, count }).items);
      expect(new Set(again)).toEqual(new Set(shards[k]));
    }
    // Each shard keeps the dataset's order.
    expect(shards[0]).toEqual(ids.filter((id) => shardOf(id, count) === 1));
  });

  it('is balanced: each of 8 shards of 5000 ids is within 10% of 625', () => {
    const sizes = Array.from(
      { length: 8 },
      (_, k) => selectShard(items, { index: k + 1, count: 8 }).items.length,
    );
    for (const size of sizes) expect(Math.abs(size - 625)).toBeLessThan(63);
  });

  it('records the whole dataset in every shard: count and digest of the ids', () => {
    const a = selectShard(items, { index: 1, count: 4 }).record;
    const b = selectShard(items, { index: 3, count: 4 }).record;
    expect(a.datasetImages).toBe(5000);
    expect(a.datasetIdsSha256).toBe(b.datasetIdsSha256);
    expect(a.datasetIdsSha256).toBe(idsDigest(ids));
    expect(idsDigest([...ids].reverse())).not.toBe(a.datasetIdsSha256);
  });

  it('--resume refuses another shard, or a whole run', () => {
    const record = (index: number): ShardRecord => selectShard(items, { index, count: 4 }).record;
    expect(() => assertSameShard(record(2), record(2), 'out')).not.toThrow();
    expect(() => assertSameShard(undefined, undefined, 'out')).not.toThrow();
    expect(() => assertSameShard(record(2), record(3), 'out')).toThrow(
      /out holds shard 2\/4.*this run is shard 3\/4/,
    );
    expect(() => assertSameShard(undefined, record(1), 'out')).toThrow(/holds the whole dataset/);
  });
});

describe('--shard K/N', () => {
  it('counts shards from 1', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard('4/4')).toEqual({ index: 4, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '-1/4', '1.5/4']) {
      expect(() => parseShard(bad)).toThrow(UsageError);
    }
  });

  it('--shard-count must agree with N, and goes with --shard', () => {
    expect(shardFromFlags({ shard: '2/4', shardCount: 4 }, {})).toEqual({ index: 2, count: 4 });
    expect(() => shardFromFlags({ shard: '2/4', shardCount: 5 }, {})).toThrow(/disagree/);
    expect(() => shardFromFlags({ shardCount: 5 }, {})).toThrow(/--shard-count goes with --shard auto/);
    expect(shardFromFlags({}, { SLURM_ARRAY_TASK_ID: '3' })).toBeUndefined();
  });
});

describe('--shard auto', () => {
  it('reads a Slurm array that starts at 0, at 1, or anywhere, with a step', () => {
    const slurm = (id: number, count: number, min?: number, step?: number) =>
      shardFromEnvironment({
        SLURM_ARRAY_TASK_ID: String(id),
        SLURM_ARRAY_TASK_COUNT: String(count),
        ...(min === undefined ? {} : { SLURM_ARRAY_TASK_MIN: String(min) }),
        ...(step === undefined ? {} : { SLURM_ARRAY_TASK_STEP: String(step) }),
      });
    expect(slurm(0, 4, 0)).toEqual({ index: 1, count: 4 });
    expect(slurm(3, 4, 0)).toEqual({ index: 4, count: 4 });
    expect(slurm(1, 4, 1)).toEqual({ index: 1, count: 4 }); // --array=1-4
    expect(slurm(13, 4, 10)).toEqual({ index: 4, count: 4 }); // --array=10-13
    expect(slurm(6, 4, 0, 2)).toEqual({ index: 4, count: 4 }); // --array=0-6:2
    expect(slurm(2, 4)).toEqual({ index: 3, count: 4 }); // no MIN: ids from 0
    expect(() => slurm(4, 4, 0)).toThrow(/outside 1\.\.4/);
    expect(() => slurm(3, 4, 0, 2)).toThrow(/outside/); // not on the step
    expect(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '1' })).toThrow(/SLURM_ARRAY_TASK_COUNT is not/);
  });

  it('reads a Kubernetes Indexed Job (0-based) with the count from --shard-count or the environment', () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }, 3)).toEqual({ index: 1, count: 3 });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '2', CAM_LOCALIZE_SHARD_COUNT: '3' })).toEqual({
      index: 3,
      count: 3,
    });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '2', CAM_LOCALIZE_SHARD_COUNT: '9' }, 3)).toEqual({
      index: 3,
      count: 3,
    });
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '1' })).toThrow(
      /--shard-count N or CAM_LOCALIZE_SHARD_COUNT/,
    );
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '3' }, 3)).toThrow(/outside 1\.\.3/);
  });

  it('is a usage error outside a job array', () => {
    expect(() => shardFromEnvironment({})).toThrow(UsageError);
    expect(() => shardFromFlags({ shard: 'auto' }, { PATH: '/bin' })).toThrow(/neither SLURM_ARRAY_TASK_ID/);
  });
});
