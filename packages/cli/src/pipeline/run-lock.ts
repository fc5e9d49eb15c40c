/**
 * One writer per run directory. Two processes appending to the same results.jsonl (a run and a
 * --resume, a run and a report) interleave records and move the metrics, so every command that
 * writes a run directory first creates `<dir>/run.lock` with O_EXCL, holding the writer's pid,
 * host and start time. A lock whose process is gone (same host, pid not alive) is stale and
 * taken over; a live one makes the second writer stop with a usage error (exit 2) naming it.
 * The lock is removed on release and when the process exits (signals included, see interrupt.ts).
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { errnoCode, writeFailure } from './io-errors.js';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly started: string;
  readonly command: string;
}

/** A lock file that cannot be read back for this long is a writer that died mid-write. */
const UNREADABLE_STALE_MS = 10_000;

export class RunLock {
  static readonly FILE = 'run.lock';
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly path: string,
    private readonly text: string,
  ) {
    process.on('exit', this.onExit);
  }

  /** Takes the lock of `dir` (which must exist) for `command`, or throws a usage error naming the holder. */
  static acquire(dir: string, command: string): RunLock {
    const path = join(dir, RunLock.FILE);
    const holder: LockHolder = {
      pid: process.pid,
      host: hostname(),
      started: new Date().toISOString(),
      command,
    };
    const text = `${JSON.stringify(holder)}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw writeFailure(error, dir, { usage: true });
        const current = readHolder(path);
        if (current === 'gone') continue;
        if (isStale(path, current)) {
          rmSync(path, { force: true });
          continue;
        }
        throw busy(dir, current);
      }
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      return new RunLock(path, text);
    }
    throw new UsageError('E_USAGE', `${dir}: could not take the run lock ${path}`, {
      hint: 'another process keeps creating and removing it',
    });
  }

  /** Removes the lock if it is still ours (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (readFileSync(this.path, 'utf8') === this.text) rmSync(this.path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
  }
}

/** The holder recorded in a lock file; 'gone' when it vanished meanwhile, undefined when unreadable. */
function readHolder(path: string): LockHolder | undefined | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** A lock is stale when its process is dead on this host, or when it was never written and is old. */
function isStale(path: string, holder: LockHolder | undefined): boolean {
  if (holder === undefined) {
    try {
      return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return true;
    }
  }
  return holder.host === hostname() && !processAlive(holder.pid);
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return errnoCode(error) === 'EPERM';
  }
}

function busy(dir: string, holder: LockHolder | undefined): UsageError {
  const who =
    holder === undefined
      ? 'another process (its lock file is being written)'
      : `\`cam-localize ${holder.command}\` (pid ${holder.pid} on ${holder.host}, since ${holder.started})`;
  return new UsageError('E_USAGE', `${dir} is in use by ${who}`, {
    hint: `wait for it to finish, or choose another --out; if that process is gone, remove ${join(dir, RunLock.FILE)}`,
  });
}
