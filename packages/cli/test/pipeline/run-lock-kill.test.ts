/**
 * A run lock whose holder was killed (SIGKILL: an OOM kill, an evicted pod) is taken over by the
 * retry even when the retry has the dead holder's pid on the same host, as in a container, while a
 * live holder is still refused. Real processes, each in its own PID namespace (`unshare --pid
 * --fork`, where this machine permits it), so both are pid 1 on one hostname; where it does not,
 * the pid reuse is simulated by rewriting the dead holder's pid to the retry's.
 */
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT_STALE_MS,
  type HolderRecord,
  holderIsDead,
  type LivenessEvidence,
  processIdentity,
} from '../../src/pipeline/lock-liveness.js';
import { processAlive, RunLock } from '../../src/pipeline/run-lock.js';

const LOCK_MODULE = pathToFileURL(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'pipeline', 'run-lock.js'),
).href;

/** Takes the lock of argv[1]; prints one JSON line (its pid, its pid on the host, the outcome); 'hold' keeps it until stdin ends. */
const LOCKER = `
import { readlinkSync } from 'node:fs';
import { RunLock } from ${JSON.stringify(LOCK_MODULE)};
const [dir, mode] = process.argv.slice(1);
const hostPid = Number(readlinkSync('/proc/self'));
try {
  RunLock.acquire(dir, 'run');
  process.stdout.write(JSON.stringify({ pid: process.pid, hostPid, outcome: 'held' }) + '\\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ pid: process.pid, hostPid, outcome: 'refused', message: error.message }) + '\\n');
  process.exit(2);
}
if (mode === 'hold') process.stdin.resume();
else process.exit(0);
`;

type Locker = ChildProcessByStdio<Writable, Readable, Readable>;
interface Outcome {
  pid: number;
  hostPid: number;
  outcome: 'held' | 'refused';
  message?: string;
}

const unshareWorks =
  spawnSync(
    'unshare',
    ['--pid', '--fork', process.execPath, '-e', 'process.exit(process.pid === 1 ? 0 : 1)'],
    {
      timeout: 10_000,
    },
  ).status === 0;

function startLocker(dir: string, mode: 'hold' | 'try', ownPidNamespace: boolean): Locker {
  const node = [process.execPath, '--input-type=module', '-e', LOCKER, dir, mode];
  const [command, ...args] = ownPidNamespace ? ['unshare', '--pid', '--fork', ...node] : node;
  return spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
}

function firstLine(child: Locker): Promise<Outcome> {
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) done(JSON.parse(out.split('\n')[0]!) as Outcome);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => fail(new Error(`locker exited (${code}) before a line: ${err}`)));
  });
}

const exited = (child: Locker) =>
  new Promise<void>((done) =>
    child.exitCode !== null || child.signalCode !== null ? done() : child.on('exit', () => done()),
  );

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, RunLock.FILE), 'utf8')) as HolderRecord;

/** Kills the holder with SIGKILL by its pid on the host (as the OOM killer would) and waits until it is gone. */
async function killHolder(child: Locker, holder: Outcome): Promise<void> {
  process.kill(holder.hostPid, 'SIGKILL');
  await exited(child);
  for (let i = 0; i < 100 && processAlive(holder.hostPid); i++) await new Promise((r) => setTimeout(r, 20));
}

describe.skipIf(!unshareWorks)('run.lock across PID namespaces (unshare --pid --fork)', () => {
  it('a retry that is pid 1 on the same host takes over the lock of a SIGKILLed pid 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-lock-kill-'));
    const holderProcess = startLocker(dir, 'hold', true);
    const holder = await firstLine(holderProcess);
    expect(holder).toMatchObject({ pid: 1, outcome: 'held' });
    expect(lockOf(dir)).toMatchObject({ pid: 1, host: hostname(), kernelLock: true });
    await killHolder(holderProcess, holder);
    expect(lockOf(dir).pid).toBe(1); // left behind: SIGKILL runs no exit handler

    const retry = startLocker(dir, 'try', true);
    const [outcome] = await Promise.all([firstLine(retry), exited(retry)]);
    expect(outcome).toMatchObject({ pid: 1, outcome: 'held' });
    expect(retry.exitCode).toBe(0);
  }, 30_000);

  it('a live pid 1 in another namespace is still refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-lock-live-'));
    const holderProcess = startLocker(dir, 'hold', true);
    expect(await firstLine(holderProcess)).toMatchObject({ pid: 1, outcome: 'held' });
    const contender = startLocker(dir, 'try', true);
    const [outcome] = await Promise.all([firstLine(contender), exited(contender)]);
    expect(outcome.outcome).toBe('refused');
    expect(outcome.message).toMatch(new RegExp(`in use by \`cam-localize run\` \\(pid 1 on ${hostname()}`));
    expect(contender.exitCode).toBe(2);
    holderProcess.stdin.end();
    await exited(holderProcess);
  }, 30_000);
});

describe('run.lock with a killed or live holder in another process', () => {
  it('takes over the lock of a SIGKILLed holder whose pid is now the retry’s (simulated pid reuse)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-lock-reuse-'));
    const holderProcess = startLocker(dir, 'hold', false);
    const holder = await firstLine(holderProcess);
    await killHolder(holderProcess, holder);
    // The dead holder's pid becomes this (live) process's, as a container's retry would be.
    const left = lockOf(dir);
    writeFileSync(join(dir, RunLock.FILE), JSON.stringify({ ...left, pid: process.pid }));
    expect(processAlive(process.pid)).toBe(true); // the pid rule alone would refuse
    const lock = RunLock.acquire(dir, 'run');
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, kernelLock: true });
    lock.release();
  }, 30_000);

  it('refuses a second process while the first holds the lock, and lets it in once the first is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-lock-two-'));
    const holderProcess = startLocker(dir, 'hold', false);
    const holder = await firstLine(holderProcess);
    const contender = startLocker(dir, 'try', false);
    const [refused] = await Promise.all([firstLine(contender), exited(contender)]);
    expect(refused.outcome).toBe('refused');
    expect(refused.message).toContain(`pid ${holder.pid} on ${hostname()}`);
    await killHolder(holderProcess, holder);
    const retry = startLocker(dir, 'try', false);
    const [after] = await Promise.all([firstLine(retry), exited(retry)]);
    expect(after.outcome).toBe('held');
  }, 30_000);
});

describe('holderIsDead without a kernel lock to ask (no flock(1), a file system without locks, another machine)', () => {
  const self = processIdentity();
  const evidence = (over: Partial<LivenessEvidence>): LivenessEvidence => ({
    kernelLock: 'unavailable',
    heartbeatAgeMs: 1000,
    self,
    startTicksOfPid: () => self.startTicks,
    hostname: hostname(),
    processAlive: () => true,
    ...over,
  });
  const holder: HolderRecord = { pid: 2, host: hostname(), ...self, kernelLock: false };

  it('same kernel and pid namespace: the start time decides, not the pid', () => {
    expect(holderIsDead(holder, evidence({}))).toBe(false);
    expect(holderIsDead(holder, evidence({ startTicksOfPid: () => (self.startTicks ?? 0) + 1 }))).toBe(true);
    expect(holderIsDead(holder, evidence({ startTicksOfPid: () => undefined }))).toBe(true);
  });

  it('another machine or namespace: the heartbeat decides; a held kernel lock always means alive', () => {
    const remote = { ...holder, bootId: 'another-boot', pidNamespace: 'pid:[1]' };
    expect(holderIsDead(remote, evidence({}))).toBe(false);
    expect(holderIsDead(remote, evidence({ heartbeatAgeMs: HEARTBEAT_STALE_MS + 1 }))).toBe(true);
    const locked = { ...remote, kernelLock: true };
    expect(
      holderIsDead(locked, evidence({ kernelLock: 'held', heartbeatAgeMs: HEARTBEAT_STALE_MS * 10 })),
    ).toBe(false);
    // A free kernel lock proves death only on the holder's own kernel.
    expect(holderIsDead(locked, evidence({ kernelLock: 'free' }))).toBe(false);
    expect(
      holderIsDead({ ...locked, bootId: self.bootId ?? 'this-boot' }, evidence({ kernelLock: 'free' })),
    ).toBe(true);
  });

  it('a lock of an older version (pid and host only) keeps the old rule', () => {
    const old = { pid: 2, host: hostname() };
    expect(holderIsDead(old, evidence({ processAlive: () => false }))).toBe(true);
    expect(holderIsDead(old, evidence({}))).toBe(false);
    expect(holderIsDead({ ...old, host: 'elsewhere' }, evidence({ processAlive: () => false }))).toBe(false);
  });
});
