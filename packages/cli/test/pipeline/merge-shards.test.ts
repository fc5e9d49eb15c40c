import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { mergeShards } from '../../src/pipeline/merge-shards.js';
import { selectShard, shardOf, writeDatasetIds } from '../../src/pipeline/shard.js';
import { loadRun } from '../../src/view/run-data.js';
import { sampleRunConfig } from '../run-config-sample.js';

const ids = Array.from({ length: 60 }, (_, i) => `img/${String(i).padStart(3, '0')}.jpg`);
const fingerprint = { modelSha256: 'ab', method: 'cam', threshold: '0.2', dataset: '/data/set' };

/** Shard directories written as `run --shard k/count` would, without a model: one record per id. */
async function shards(
  count: number,
  options: { threshold?: string; skip?: string[] } = {},
): Promise<string[]> {
  const base = mkdtempSync(join(tmpdir(), 'cam-merge-'));
  const items = ids.map((id) => ({ id }));
  const dirs: string[] = [];
  for (let k = 1; k <= count; k++) {
    const dir = join(base, `shard-${k}`);
    mkdirSync(dir);
    const shard = selectShard(items, { index: k, count });
    const print = { ...fingerprint, threshold: k === count ? (options.threshold ?? '0.2') : '0.2' };
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify(sampleRunConfig({ fingerprint: print, shard: shard.record })),
    );
    const lines = shard.items
      .filter((item) => !options.skip?.includes(item.id))
      .map((item) => `${JSON.stringify({ id: item.id, status: 'ok', file: `/data/set/${item.id}`, k })}\n`);
    writeFileSync(join(dir, 'results.jsonl'), lines.join(''));
    await writeDatasetIds(dir, ids);
    dirs.push(dir);
  }
  return dirs;
}

const refusal = async (promise: Promise<unknown>): Promise<string> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return (error as Error).message;
};

describe('mergeShards', () => {
  it('writes every record once, byte for byte, in dataset order, and config.json without the shard', async () => {
    const dirs = await shards(3);
    // A retried image: the last record of an id in a shard wins, as in `report`.
    const retried = ids.find((id) => shardOf(id, 3) === 2)!;
    appendFileSync(
      join(dirs[1]!, 'results.jsonl'),
      `${JSON.stringify({ id: retried, status: 'ok', retry: true })}\n`,
    );
    const out = join(dirs[0]!, '..', 'merged');
    expect(await mergeShards([...dirs].reverse(), out)).toEqual({ images: 60, shards: 3 });
    const lines = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).id)).toEqual(ids);
    expect(JSON.parse(lines[ids.indexOf(retried)]!).retry).toBe(true);
    const first = ids.find((id) => shardOf(id, 3) === 1)!;
    expect(lines[ids.indexOf(first)]).toBe(
      JSON.stringify({ id: first, status: 'ok', file: `/data/set/${first}`, k: 1 }),
    );
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.shard).toBeUndefined();
    expect(config.fingerprint).toEqual(fingerprint);
    expect(config.mergedFrom).toHaveLength(3);
  });

  it("combines the shards' grid-maps.jsonl in dataset order, so view opens the merged run", async () => {
    const dirs = await shards(3);
    const mapsOf = (id: string) => ({
      id,
      geometry: { inputWidth: 4, inputHeight: 4 },
      maps: [{ class: 1, width: 1, height: 1, data: 'AACAPw==' }],
    });
    for (const dir of dirs) {
      const own = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n');
      const records = own.map((line) => ({ ...JSON.parse(line), predicted: { class: 1, boxes: [] } }));
      writeFileSync(join(dir, 'results.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      const lines = records.map((r) => `${JSON.stringify(mapsOf(r.id))}\n`);
      writeFileSync(join(dir, 'grid-maps.jsonl'), `${lines.join('')}{"torn`);
    }
    const out = join(dirs[0]!, '..', 'merged');
    await mergeShards(dirs, out);
    const merged = readFileSync(join(out, 'grid-maps.jsonl'), 'utf8').trim().split('\n');
    expect(merged.map((line) => JSON.parse(line))).toEqual(ids.map(mapsOf));
    // What `view` reads of the merged run: every image, with its maps.
    const { run } = await loadRun(out, 'a', (_, file) => file);
    expect(run.images.map((image) => [image.id, image.maps?.length])).toEqual(ids.map((id) => [id, 1]));
    // Shards made with --no-grid-maps: the merged run has none either.
    const plain = await shards(2);
    await mergeShards(plain, join(plain[0]!, '..', 'merged'));
    expect(existsSync(join(plain[0]!, '..', 'merged', 'grid-maps.jsonl'))).toBe(false);
  });

  it('names the images an unfinished shard lacks; a torn last line is not a record', async () => {
    const lacking = ids.filter((id) => shardOf(id, 2) === 2).slice(0, 2);
    const dirs = await shards(2, { skip: lacking });
    appendFileSync(join(dirs[1]!, 'results.jsonl'), `{"id":"${lacking[1]}","status":"o`); // killed mid-write
    const message = await refusal(mergeShards(dirs, join(dirs[0]!, '..', 'out')));
    expect(message).toContain('2 of 60 images in no shard');
    for (const id of lacking) expect(message).toContain(id);
    expect(message).toContain(`${dirs[1]} lacks 2`);
  });

  it('names the differing fingerprint field and both directories', async () => {
    const dirs = await shards(2, { threshold: '0.3' });
    const message = await refusal(mergeShards(dirs, join(dirs[0]!, '..', 'out')));
    expect(message).toContain(`threshold: "0.2" in ${dirs[0]}, "0.3" in ${dirs[1]}`);
  });

  it('refuses a directory that is not a shard, and an --out that already holds a run', async () => {
    const dirs = await shards(2);
    const whole = join(dirs[0]!, '..', 'whole');
    mkdirSync(whole);
    writeFileSync(join(whole, 'config.json'), JSON.stringify(sampleRunConfig({ fingerprint })));
    expect(await refusal(mergeShards([dirs[0]!, whole], join(whole, '..', 'o')))).toMatch(/is not a shard/);
    const out = join(dirs[0]!, '..', 'merged');
    await mergeShards(dirs, out);
    expect(await refusal(mergeShards(dirs, out))).toMatch(/already holds a run/);
    await expect(mergeShards(dirs, out, { overwrite: true })).resolves.toEqual({ images: 60, shards: 2 });
  });
});
