/**
 * Sharded runs: which images a process of a job array takes. An image goes to the shard given by
 * a hash of its id (FNV-1a, 32 bits, over the id's UTF-8 bytes, mod N), so the split depends on
 * neither the order of the files nor the machine. Shards are numbered 1..N, as `--shard K/N`
 * reads; schedulers' 0-based or offset indices are converted once, in `shardFromEnvironment`.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { readRegularFile, writeFileAtomic } from '@cam-localize/core/workers';

/** A shard: `index` of `count`, 1-based. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** What config.json records of a shard: enough for `merge` to check the shards cover the dataset. */
export interface ShardRecord extends Shard {
  readonly hash: 'fnv1a32';
  /** Images in the whole dataset (after --limit), before the split. */
  readonly datasetImages: number;
  /** sha256 of the whole dataset's ids, one per line, in dataset order. */
  readonly datasetIdsSha256: string;
}

/** The whole dataset's ids, in dataset order, one JSON string per line (ids may hold any character). */
export const DATASET_IDS_FILE = 'dataset-ids.jsonl';

/** Environment variable giving the shard count of a Kubernetes Indexed Job (its `completions`). */
export const SHARD_COUNT_VARIABLE = 'CAM_LOCALIZE_SHARD_COUNT';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** FNV-1a (32 bits) of the id's UTF-8 bytes. */
export function idHash(id: string): number {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(id)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** The 1-based shard of `count` that an image id belongs to. */
export function shardOf(id: string, count: number): number {
  return (idHash(id) % count) + 1;
}

/** Parses `K/N` (1 <= K <= N); a usage error names the flag. */
export function parseShard(spec: string, flag = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`${flag} ${spec}: expected K/N with 1 <= K <= N (shards count from 1)`, {
      hint: `${flag} 1/4 ... ${flag} 4/4 split a dataset in four; ${flag} auto reads a Slurm or Kubernetes job index`,
    });
  }
  return { index, count };
}

const integer = (value: string | undefined): number | undefined =>
  value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;

/**
 * The shard of this process from the scheduler's environment: a Slurm job array
 * (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, and SLURM_ARRAY_TASK_MIN/STEP since `--array`
 * may start anywhere and step) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, 0-based, with
 * the count from `--shard-count` or CAM_LOCALIZE_SHARD_COUNT). A usage error when neither is set.
 */
export function shardFromEnvironment(env: NodeJS.ProcessEnv, shardCount?: number): Shard {
  const where = (shard: Shard, source: string): Shard => {
    if (shard.index < 1 || shard.index > shard.count || !Number.isInteger(shard.index)) {
      throw new UsageError(
        `--shard auto: ${source} gives shard ${shard.index} of ${shard.count}, outside 1..${shard.count}`,
        { hint: 'use a contiguous array (e.g. --array=0-3 or --array=1-4:1) whose size is the shard count' },
      );
    }
    return shard;
  };
  const taskId = integer(env.SLURM_ARRAY_TASK_ID);
  if (taskId !== undefined) {
    const count = shardCount ?? integer(env.SLURM_ARRAY_TASK_COUNT);
    if (count === undefined || count < 1) {
      throw new UsageError('--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
    }
    const min = integer(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const step = integer(env.SLURM_ARRAY_TASK_STEP) || 1;
    const source = `SLURM_ARRAY_TASK_ID=${taskId} (min ${min}, step ${step}, count ${count})`;
    return where({ index: (taskId - min) / step + 1, count }, source);
  }
  const completionIndex = integer(env.JOB_COMPLETION_INDEX);
  if (completionIndex !== undefined) {
    const count = shardCount ?? integer(env[SHARD_COUNT_VARIABLE]);
    if (count === undefined || count < 1) {
      throw new UsageError(
        `--shard auto: JOB_COMPLETION_INDEX is set but not the shard count (--shard-count N or ${SHARD_COUNT_VARIABLE})`,
        { hint: "set it to the Indexed Job's completions" },
      );
    }
    return where({ index: completionIndex + 1, count }, `JOB_COMPLETION_INDEX=${completionIndex}`);
  }
  throw new UsageError(
    '--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set',
    { hint: 'outside a job array, give the shard as --shard K/N' },
  );
}

/** `--shard` and `--shard-count` as given: the shard, or undefined for a whole run. */
export function shardFromFlags(
  flags: { shard?: string; shardCount?: number },
  env: NodeJS.ProcessEnv,
): Shard | undefined {
  if (flags.shard === undefined) {
    if (flags.shardCount !== undefined) throw new UsageError('--shard-count goes with --shard auto');
    return undefined;
  }
  if (flags.shard.trim() === 'auto') return shardFromEnvironment(env, flags.shardCount);
  const shard = parseShard(flags.shard);
  if (flags.shardCount !== undefined && flags.shardCount !== shard.count) {
    throw new UsageError(`--shard ${flags.shard} and --shard-count ${flags.shardCount} disagree`);
  }
  return shard;
}

/** sha256 of the ids, one per line. */
export function idsDigest(ids: readonly string[]): string {
  const hash = createHash('sha256');
  for (const id of ids) hash.update(`${id}\n`);
  return hash.digest('hex');
}

/** The items of one shard, in dataset order, and the record config.json keeps of the split. */
export function selectShard<T extends { readonly id: string }>(
  items: readonly T[],
  shard: Shard,
): { items: T[]; record: ShardRecord } {
  const ids = items.map((item) => item.id);
  return {
    items: items.filter((item) => shardOf(item.id, shard.count) === shard.index),
    record: {
      index: shard.index,
      count: shard.count,
      hash: 'fnv1a32',
      datasetImages: items.length,
      datasetIdsSha256: idsDigest(ids),
    },
  };
}

/** Writes the whole dataset's ids next to a shard's results, for `merge` to name missing ones. */
export async function writeDatasetIds(dir: string, ids: readonly string[]): Promise<void> {
  await writeFileAtomic(join(dir, DATASET_IDS_FILE), ids.map((id) => `${JSON.stringify(id)}\n`).join(''));
}

/** The ids `writeDatasetIds` wrote, checked against the shard's record. */
export async function readDatasetIds(dir: string, record: ShardRecord): Promise<string[]> {
  const file = join(dir, DATASET_IDS_FILE);
  let ids: string[];
  try {
    ids = (await readRegularFile(file, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as string);
  } catch (error) {
    throw new UsageError(`${file}: cannot read the dataset's ids (${String(error)})`, {
      hint: 'the shard directory is damaged; run the shard again',
    });
  }
  if (ids.length !== record.datasetImages || idsDigest(ids) !== record.datasetIdsSha256) {
    throw new UsageError(`${file} does not match the dataset recorded in config.json`, {
      hint: 'the shard directory is damaged; run the shard again',
    });
  }
  return ids;
}

/** Refuses (usage error) to resume a directory that holds another shard, or a whole run. */
export function assertSameShard(
  previous: ShardRecord | undefined,
  current: ShardRecord | undefined,
  dir: string,
): void {
  const describe = (s: ShardRecord | undefined) =>
    s === undefined ? 'the whole dataset' : `shard ${s.index}/${s.count} of ${s.datasetImages} images`;
  const same =
    previous === current ||
    (previous !== undefined &&
      current !== undefined &&
      previous.index === current.index &&
      previous.count === current.count &&
      previous.datasetIdsSha256 === current.datasetIdsSha256);
  if (same) return;
  throw new UsageError(`--resume: ${dir} holds ${describe(previous)}, this run is ${describe(current)}`, {
    hint: 'resume with the same --shard (and dataset), or use another --out',
  });
}
