import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { RunDirectory } from '../../src/pipeline/run-dir.js';
import { processAlive, RunLock } from '../../src/pipeline/run-lock.js';
import { buildReports } from '../../src/reporting.js';
import { sampleRunConfig, sampleRunRecord } from '../run-config-sample.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'cam-lock-'));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const pid = Number(child.stdout.toString());
  expect(processAlive(pid)).toBe(false);
  return pid;
}

function writeLock(dir: string, holder: object): void {
  writeFileSync(join(dir, RunLock.FILE), JSON.stringify(holder));
}

describe('RunLock', () => {
  it('lets one writer in; the second is refused with a usage error naming the holder', () => {
    const dir = fresh();
    const lock = RunLock.acquire(dir, 'run');
    const holder = JSON.parse(readFileSync(join(dir, RunLock.FILE), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), command: 'run' });
    expect(() => RunLock.acquire(dir, 'report')).toThrow(UsageError);
    expect(() => RunLock.acquire(dir, 'report')).toThrow(new RegExp(`pid ${process.pid} on ${hostname()}`));
    lock.release();
    expect(existsSync(join(dir, RunLock.FILE))).toBe(false);
    RunLock.acquire(dir, 'report').release();
  });

  it('takes over the stale lock of a dead process on this host, never a live or remote one', () => {
    const dir = fresh();
    writeLock(dir, { pid: deadPid(), host: hostname(), started: '2020-01-01T00:00:00Z', command: 'run' });
    const lock = RunLock.acquire(dir, 'run');
    expect(JSON.parse(readFileSync(join(dir, RunLock.FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();

    // A dead pid on another host may be a live process there: not stale.
    writeLock(dir, { pid: deadPid(), host: `not-${hostname()}`, started: 'x', command: 'run' });
    expect(() => RunLock.acquire(dir, 'run')).toThrow(/in use by/);
    // A live pid (the parent of this test) on this host.
    writeLock(dir, { pid: process.ppid, host: hostname(), started: 'x', command: 'run' });
    expect(() => RunLock.acquire(dir, 'run')).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  it('never removes a lock it does not hold', () => {
    const dir = fresh();
    const lock = RunLock.acquire(dir, 'run');
    writeLock(dir, { pid: process.ppid, host: hostname(), started: 'x', command: 'other' });
    lock.release();
    expect(existsSync(join(dir, RunLock.FILE))).toBe(true);
  });

  it('RunDirectory.open holds the lock until release', async () => {
    const dir = fresh();
    const run = await RunDirectory.open(dir, {}, { resume: false });
    await expect(RunDirectory.open(dir, {}, { resume: true })).rejects.toThrow(/in use by/);
    run.release();
    (await RunDirectory.open(dir, {}, { resume: true })).release();
  });
});

describe('replaying results with duplicate ids', () => {
  const record = sampleRunRecord;
  const metricsOf = async (records: object[]) => {
    const dir = fresh();
    writeFileSync(join(dir, 'config.json'), JSON.stringify(sampleRunConfig()));
    writeFileSync(join(dir, 'results.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return (await buildReports(dir, { galleryCount: 0, writeReports: false })).metrics;
  };

  it('counts every id once, its last record winning: the metrics do not move', async () => {
    const unique = [record('a', true), record('b', false), record('c', true)];
    const expected = await metricsOf(unique);
    expect(expected.images.total).toBe(3);
    // A stale first record of 'b', and a second writer's copies of 'a' and 'c'.
    const duplicated = [record('b', true), ...unique, record('a', true), record('c', true)];
    expect(await metricsOf(duplicated)).toEqual(expected);
  });
});
