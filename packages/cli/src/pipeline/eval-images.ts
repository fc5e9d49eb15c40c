/**
 * The images `eval --cams` scores and the frame it scores them in: the dataset's images with
 * boxes or masks checked (eval scores no class), --limit and --shard applied, their stored sizes
 * checked against the files, and the frame (--size, else the maps' own NxN size, else 224).
 */
import { resolve } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { type Dataset, type DatasetItem, readDataset } from '@cam-localize/eval';
import type { ShardFlags } from '../options.js';
import type { CheckedItems } from './ground-truth-check.js';
import { checkedItems } from './ground-truth-check.js';
import { DEFAULT_FRAME, mapsFrame } from './maps-frame.js';
import { type ShardRecord, selectShard, shardFromFlags } from './shard.js';
import { assertStoredSizes } from './stored-size-check.js';

export interface EvalFlags extends ShardFlags {
  cams: string;
  protocol: 'wsolevaluation';
  boxes: 'all' | 'largest';
  interval: number;
  iou?: string;
  size?: number;
  split?: 'train' | 'test' | 'all';
  labels?: string;
  limit?: number;
  out?: string;
  json?: boolean;
  allowOutsideRoot?: boolean;
  allowMissing?: boolean;
  trustSizes?: boolean;
  progressInterval: number;
  workers?: number;
}

export interface EvalImages {
  /** The dataset, its items those this evaluation scores (this shard's). */
  readonly dataset: Dataset;
  /** The ground-truth check of the whole dataset. */
  readonly check: CheckedItems['check'];
  /** With --shard: the whole dataset's items (after --limit) and the shard's record. */
  readonly sharded?: { readonly allItems: readonly DatasetItem[]; readonly record: ShardRecord };
}

export async function evalImages(root: string, flags: EvalFlags): Promise<EvalImages> {
  const dataset = await readDataset(resolve(root), {
    ...(flags.split === undefined ? {} : { split: flags.split }),
    allowOutsideRoot: flags.allowOutsideRoot === true,
  });
  // eval scores no class: only missing boxes or masks matter here.
  const boxesAndMasks = dataset.items.map(({ classIndex: _, ...item }) => item);
  const checked = checkedItems(boxesAndMasks, 'eval', flags.allowMissing === true);
  dataset.items = checked.items;
  if (flags.limit !== undefined) dataset.items = dataset.items.slice(0, flags.limit);
  const shard = shardFromFlags(flags, process.env);
  if (shard && flags.out === undefined) throw new UsageError('--shard needs --out <part.json>');
  const allItems = dataset.items;
  const sharded = shard ? selectShard(allItems, shard) : undefined;
  if (sharded) dataset.items = sharded.items;
  if (flags.trustSizes !== true) await assertStoredSizes(dataset.root, dataset.items);
  return {
    dataset,
    check: checked.check,
    ...(sharded === undefined ? {} : { sharded: { allItems, record: sharded.record } }),
  };
}

/** The IoU levels: --iou, else 30,50,70 for all contours and 50 for the largest. */
export function iouLevels(flags: Pick<EvalFlags, 'iou' | 'boxes'>): number[] {
  const text = flags.iou ?? (flags.boxes === 'all' ? '30,50,70' : '50');
  const levels = text.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v)));
  if (levels.some((d) => !Number.isFinite(d) || d < 0 || d > 100))
    throw new UsageError(`--iou expects percentages in [0, 100], comma-separated, got '${text}'`);
  return levels;
}

/** The evaluation frame: --size, else the size of the maps (said on stderr when not 224). */
export function evalFrame(flags: Pick<EvalFlags, 'size'>, cams: string, dataset: Dataset): number {
  if (flags.size !== undefined) return flags.size;
  const size = mapsFrame(
    cams,
    dataset.items.map((item) => item.id),
  );
  if (size !== DEFAULT_FRAME)
    process.stderr.write(`eval: frame ${size}x${size}, the size of the maps (--size sets another)\n`);
  return size;
}
