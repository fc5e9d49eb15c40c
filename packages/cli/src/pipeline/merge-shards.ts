/**
 * `merge`: shard run directories back into one run directory. The shards must share one
 * fingerprint and one dataset, and cover it exactly once; the merged results.jsonl holds each
 * shard's records byte for byte, in dataset order, so the metrics replayed from it are a whole
 * run's. Memory holds the ids and where each record lies, not the records.
 */
import { closeSync, existsSync, fstatSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '@cam-localize/core';
import {
  makeFolders,
  openAtomicFileSync,
  openRegularFileSync,
  writeAllSync,
} from '@cam-localize/core/workers';
import { GRID_MAPS_FILE, readGridMaps } from './grid-maps.js';
import { writeFailure } from './io-errors.js';
import { BadLines, checkRunRecord } from './record-schema.js';
import { fingerprintDifferences, type RunConfig, readRunConfig } from './run-config.js';
import { RunDirectory, writeJsonAtomic } from './run-dir.js';
import { RunLock } from './run-lock.js';
import { readDatasetIds, type ShardRecord, shardOf } from './shard.js';

interface ShardRun {
  readonly dir: string;
  readonly config: RunConfig & { readonly shard: ShardRecord };
}

/** Where one record lies: which shard's results.jsonl, at which bytes. */
interface Location {
  readonly shard: number;
  readonly offset: number;
  readonly length: number;
}

export interface MergeResult {
  readonly images: number;
  readonly shards: number;
}

/** How many ids a message lists before "and N more". */
const LISTED = 10;

const listIds = (ids: readonly string[]) =>
  ids.slice(0, LISTED).join(', ') + (ids.length > LISTED ? `, and ${ids.length - LISTED} more` : '');

/** Reads and checks the shards, then writes the merged run directory `out`. */
export async function mergeShards(
  dirs: readonly string[],
  out: string,
  options: { overwrite?: boolean } = {},
): Promise<MergeResult> {
  const shards = await Promise.all(dirs.map(readShardRun));
  assertOneRun(shards);
  const ids = await readDatasetIds(shards[0]!.dir, shards[0]!.config.shard);
  const locations = new Map<string, Location>();
  const doubled = new Map<string, string[]>();
  const foreign: string[] = [];
  for (const [index, shard] of shards.entries()) {
    const lock = RunLock.acquire(shard.dir, 'merge');
    try {
      scanRecords(shard.dir, (id, offset, length) => {
        const previous = locations.get(id);
        if (previous !== undefined && previous.shard !== index) {
          doubled.set(id, [...(doubled.get(id) ?? [shards[previous.shard]!.dir]), shard.dir]);
        }
        if (shardOf(id, shard.config.shard.count) !== shard.config.shard.index)
          foreign.push(`${id} (${shard.dir})`);
        locations.set(id, { shard: index, offset, length });
      });
    } finally {
      lock.release();
    }
  }
  assertCoverage(shards, ids, locations, doubled, foreign);
  await writeMerged(shards, ids, locations, out, options.overwrite === true);
  return { images: ids.length, shards: shards.length };
}

async function readShardRun(dir: string): Promise<ShardRun> {
  const config = await readRunConfig(dir);
  if (config.shard === undefined) {
    throw new UsageError(`merge: ${dir} is not a shard (its config.json records no --shard)`, {
      hint: 'merge takes the directories of `cam-localize run --shard K/N`',
    });
  }
  return { dir, config: config as ShardRun['config'] };
}

/** One fingerprint and one dataset split the same way, or a usage error naming fields and shards. */
function assertOneRun(shards: readonly ShardRun[]): void {
  const first = shards[0]!;
  const problems: string[] = [];
  for (const shard of shards.slice(1)) {
    const a = first.config;
    const b = shard.config;
    if (a.fingerprint === undefined || b.fingerprint === undefined) {
      problems.push(`${a.fingerprint ? shard.dir : first.dir} has no run fingerprint`);
      continue;
    }
    for (const d of fingerprintDifferences(a.fingerprint, b.fingerprint)) {
      problems.push(
        d.field === 'annotationsSha256'
          ? `the annotations changed between ${first.dir} and ${shard.dir} (image ids, class labels, boxes or sizes; annotations sha256 ${short(d.previous)} then ${short(d.current)})`
          : `${d.field}: ${d.previous} in ${first.dir}, ${d.current} in ${shard.dir}`,
      );
    }
    if (a.shard.count !== b.shard.count) {
      problems.push(`shard count: ${a.shard.count} in ${first.dir}, ${b.shard.count} in ${shard.dir}`);
    }
    if (a.shard.datasetIdsSha256 !== b.shard.datasetIdsSha256) {
      problems.push(
        `dataset images: ${a.shard.datasetImages} (ids sha256 ${a.shard.datasetIdsSha256.slice(0, 12)}) in ${first.dir}, ` +
          `${b.shard.datasetImages} (ids sha256 ${b.shard.datasetIdsSha256.slice(0, 12)}) in ${shard.dir}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new UsageError(`merge: the shards are not parts of one run: ${problems.join('; ')}`, {
      hint: 'run every shard with the same model, settings and dataset (and --limit)',
    });
  }
}

/** The start of a JSON-quoted digest, for messages. */
const short = (value: string) => (value.startsWith('"') ? value.slice(1, 13) : value);

/** A shard given twice (the same directory, or two directories of one shard), described. */
function shardsGivenTwice(shards: readonly ShardRun[]): string | undefined {
  const byIndex = new Map<number, string[]>();
  for (const { dir, config } of shards) {
    byIndex.set(config.shard.index, [...(byIndex.get(config.shard.index) ?? []), dir]);
  }
  const twice = [...byIndex].filter(([, list]) => list.length > 1);
  if (twice.length === 0) return undefined;
  const count = shards[0]!.config.shard.count;
  return twice
    .map(([index, list]) => `shard ${index}/${count} is given ${list.length} times (${list.join(', ')})`)
    .join('; ');
}

const images = (n: number) => (n === 1 ? '1 image' : `${n} images`);

function assertCoverage(
  shards: readonly ShardRun[],
  ids: readonly string[],
  locations: ReadonlyMap<string, Location>,
  doubled: ReadonlyMap<string, string[]>,
  foreign: readonly string[],
): void {
  const problems: string[] = [];
  const twice = shardsGivenTwice(shards);
  if (twice !== undefined) problems.push(twice);
  if (doubled.size > 0) {
    const named = [...doubled].map(([id, dirs]) => `${id} (${dirs.join(', ')})`);
    problems.push(`${images(doubled.size)} recorded more than once: ${listIds(named)}`);
  }
  if (foreign.length > 0)
    problems.push(`${images(foreign.length)} recorded in a shard they do not hash to: ${listIds(foreign)}`);
  const dataset = new Set(ids);
  const unknown = [...locations.keys()].filter((id) => !dataset.has(id));
  if (unknown.length > 0)
    problems.push(`${images(unknown.length)} recorded but not in the dataset: ${listIds(unknown)}`);
  const count = shards[0]!.config.shard.count;
  const present = new Set(shards.map((s) => s.config.shard.index));
  const absent = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !present.has(index));
  const missing = ids.filter((id) => !locations.has(id));
  if (missing.length > 0) {
    const unfinished = shards
      .map((s) => ({
        dir: s.dir,
        left: missing.filter((id) => shardOf(id, count) === s.config.shard.index).length,
      }))
      .filter((s) => s.left > 0);
    problems.push(
      `${missing.length} of ${images(ids.length)} in no shard: ${listIds(missing)}` +
        (absent.length > 0 ? ` (not given: shard ${absent.map((i) => `${i}/${count}`).join(', ')})` : '') +
        (unfinished.length > 0
          ? ` (unfinished, continue with run --resume: ${unfinished.map((s) => `${s.dir} lacks ${s.left}`).join(', ')})`
          : ''),
    );
  }
  if (problems.length > 0) {
    throw new UsageError(`merge: the shards do not cover the dataset exactly once: ${problems.join('; ')}`);
  }
}

/** Calls `visit` with each complete line's id and bytes; a torn last line (no newline) is not a record. */
function scanRecords(dir: string, visit: (id: string, offset: number, length: number) => void): void {
  const path = join(dir, RunDirectory.RESULTS);
  if (!existsSync(path)) return;
  const bad = new BadLines(
    path,
    'the shard directory is damaged: correct or delete those lines, then run the shard with --resume',
  );
  const fd = openRegularFileSync(path);
  try {
    const size = fstatSync(fd).size;
    let buffer = Buffer.alloc(1 << 20);
    let start = 0; // file offset of buffer[0]
    let filled = 0;
    let lineNumber = 0;
    while (start + filled < size) {
      if (filled === buffer.length) buffer = Buffer.concat([buffer, Buffer.alloc(buffer.length)]);
      filled += readSync(fd, buffer, filled, buffer.length - filled, start + filled);
      let lineStart = 0;
      for (
        let newline = buffer.indexOf(10, 0);
        newline >= 0 && newline < filled;
        newline = buffer.indexOf(10, lineStart)
      ) {
        lineNumber++;
        const text = buffer.toString('utf8', lineStart, newline);
        const record = text.trim() === '' ? undefined : bad.parse(text, lineNumber, checkRunRecord);
        if (record !== undefined)
          visit((record as { id: string }).id, start + lineStart, newline + 1 - lineStart);
        lineStart = newline + 1;
      }
      buffer.copy(buffer, 0, lineStart, filled);
      start += lineStart;
      filled -= lineStart;
    }
  } finally {
    closeSync(fd);
  }
  bad.finish();
}

/** The merged run directory: config.json without the shard, results.jsonl in dataset order (written whole, then renamed). */
async function writeMerged(
  shards: readonly ShardRun[],
  ids: readonly string[],
  locations: ReadonlyMap<string, Location>,
  out: string,
  overwrite: boolean,
): Promise<void> {
  try {
    await makeFolders(out);
  } catch (error) {
    throw writeFailure(error, out, { usage: true });
  }
  const lock = RunLock.acquire(out, 'merge');
  const fds: number[] = [];
  try {
    const results = join(out, RunDirectory.RESULTS);
    if (existsSync(results) && !overwrite) {
      throw new UsageError(`${out} already holds a run`, {
        hint: 'pass --overwrite or choose another --out',
      });
    }
    const { shard: _shard, ...config } = shards[0]!.config;
    await writeJsonAtomic(join(out, RunDirectory.CONFIG), {
      ...config,
      mergedFrom: shards.map((s) => resolve(s.dir)),
    });
    for (const shard of shards) fds.push(openRegularFileSync(join(shard.dir, RunDirectory.RESULTS)));
    const output = openAtomicFileSync(results);
    try {
      const block = Buffer.alloc(1 << 22);
      let used = 0;
      for (const id of ids) {
        const at = locations.get(id)!;
        if (used + at.length > block.length) {
          writeAllSync(output.fd, block.subarray(0, used));
          used = 0;
        }
        if (at.length > block.length) {
          const record = Buffer.alloc(at.length);
          readSync(fds[at.shard]!, record, 0, at.length, at.offset);
          writeAllSync(output.fd, record);
        } else {
          readSync(fds[at.shard]!, block, used, at.length, at.offset);
          used += at.length;
        }
      }
      writeAllSync(output.fd, block.subarray(0, used));
    } catch (error) {
      output.abort();
      throw writeFailure(error, results);
    }
    output.commit();
    await mergeGridMaps(shards, ids, locations, out);
  } catch (error) {
    throw error instanceof UsageError ? error : writeFailure(error, out);
  } finally {
    for (const fd of fds) closeSync(fd);
    lock.release();
  }
}

/**
 * The shards' grid-maps.jsonl as one, in dataset order, so `view` can open the merged run: each
 * image's maps from the shard whose record was kept (else any shard that has them). None without maps.
 */
async function mergeGridMaps(
  shards: readonly ShardRun[],
  ids: readonly string[],
  locations: ReadonlyMap<string, Location>,
  out: string,
): Promise<void> {
  const maps = await Promise.all(shards.map((shard) => readGridMaps(shard.dir)));
  if (maps.every((m) => m === undefined)) return;
  const path = join(out, GRID_MAPS_FILE);
  const output = openAtomicFileSync(path);
  try {
    for (const id of ids) {
      const line = maps[locations.get(id)!.shard]?.get(id) ?? maps.find((m) => m?.has(id))?.get(id);
      if (line !== undefined) writeAllSync(output.fd, Buffer.from(`${JSON.stringify(line)}\n`));
    }
  } catch (error) {
    output.abort();
    throw writeFailure(error, path);
  }
  output.commit();
}
