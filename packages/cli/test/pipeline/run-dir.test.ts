import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunDirectory, readRecords } from '../../src/pipeline/run-dir.js';

async function ids(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readRecords(path)) out.push(r.id);
  return out;
}

const fresh = () => mkdtempSync(join(tmpdir(), 'cam-run-'));

describe('RunDirectory', () => {
  it('appends one JSON line per image and reloads them on resume', async () => {
    const path = fresh();
    const first = await RunDirectory.open(path, { a: 1 }, { resume: false });
    first.append({ id: 'x', status: 'ok' });
    first.append({ id: 'y', status: 'error', error: 'bad jpeg' });
    first.release();
    const again = await RunDirectory.open(path, { a: 1 }, { resume: true });
    expect(again.has('x')).toBe(true);
    expect(again.has('y')).toBe(true);
    expect(again.has('z')).toBe(false);
    again.append({ id: 'z', status: 'ok' });
    again.release();
    expect(await ids(join(path, 'results.jsonl'))).toEqual(['x', 'y', 'z']);
  });

  it('cuts a line torn by a kill and goes on from a clean line end', async () => {
    const path = fresh();
    const results = join(path, 'results.jsonl');
    writeFileSync(join(path, 'config.json'), '{}');
    writeFileSync(results, '{"id":"a","status":"ok"}\n{"id":"b","sta');
    const dir = await RunDirectory.open(path, {}, { resume: true });
    expect([...dir.done]).toEqual(['a']);
    dir.append({ id: 'b', status: 'ok' });
    dir.release();
    expect(readFileSync(results, 'utf8')).toBe('{"id":"a","status":"ok"}\n{"id":"b","status":"ok"}\n');
  });

  it('refuses to overwrite a run without --resume, and to resume nothing', async () => {
    const path = fresh();
    (await RunDirectory.open(path, {}, { resume: false })).release();
    appendFileSync(join(path, 'results.jsonl'), '');
    await expect(RunDirectory.open(path, {}, { resume: false })).rejects.toThrow(/already holds a run/);
    await expect(RunDirectory.open(fresh(), {}, { resume: true })).rejects.toThrow(
      /holds no run to continue/,
    );
  });

  it('names the line of a damaged results file', async () => {
    const path = join(fresh(), 'results.jsonl');
    writeFileSync(path, '{"id":"a","status":"ok"}\nnot json\n');
    await expect(ids(path)).rejects.toThrow(/results.jsonl:2: not a JSON line/);
  });

  it('drops a file that is one torn line', async () => {
    const path = fresh();
    writeFileSync(join(path, 'config.json'), '{}');
    writeFileSync(join(path, 'results.jsonl'), '{"id":"a","sta');
    const dir = await RunDirectory.open(path, {}, { resume: true });
    expect(dir.done.size).toBe(0);
    dir.release();
    expect(readFileSync(join(path, 'results.jsonl'), 'utf8')).toBe('');
  });
});
