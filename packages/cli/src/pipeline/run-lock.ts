/**
 * One writer per run directory. Two processes appending to the same results.jsonl (a run and a
 * --resume, a run and a report) interleave records and move the metrics, so every command that
 * writes a run directory first creates `<dir>/run.lock` with O_EXCL, holding the writer's pid,
 * host and start time. A lock whose process is gone (same host, pid not alive) is stale and
 * taken over; a live one makes the second writer stop with a usage error (exit 2) naming it.
 * The lock is removed on release and when the process exits (signals included, see interrupt.ts).
 *
 * A holder killed by SIGKILL cannot remove its lock, and pid numbers say nothing in containers (a
 * retried pod's node has the dead one's pid, often on the same hostname). So the holder keeps the
 * lock file open under a kernel lock (flock) that dies with it, records its boot id, pid namespace
 * and start time, and touches the file as a heartbeat: lock-liveness.ts judges from those.
 *
 * The takeover is atomic: several processes may find the same stale lock at once, and a plain
 * "remove it, then create mine" let a late one remove the lock an earlier one had just created
 * (two holders). So a stale lock is removed only under `<dir>/run.lock.takeover` (itself created
 * with O_EXCL), after reading it again and finding the very lock judged stale; the new lock is
 * then created with O_EXCL like any other, so whoever creates it first holds it.
 */
import {
  closeSync,
  constants,
  futimesSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import { errnoCode, writeFailure } from './io-errors.js';
import {
  HEARTBEAT_MS,
  type HolderRecord,
  holderIsDead,
  type KernelLockState,
  processIdentity,
  startTicksOf,
  tryKernelLock,
} from './lock-liveness.js';

export interface LockHolder extends HolderRecord {
  /** ISO time the holder took the lock. */
  readonly started: string;
  readonly command: string;
}

/** A lock file that cannot be read back for this long is a writer that died mid-write. */
const UNREADABLE_STALE_MS = 10_000;
/** A takeover guard this old belongs to a process that died inside the takeover (it lasts microseconds). */
const TAKEOVER_STALE_MS = 10_000;
/** How long a process waits for another one's takeover of a stale lock before giving up. */
const TAKEOVER_WAIT_MS = 5_000;

export class RunLock {
  static readonly FILE = 'run.lock';
  private released = false;
  private readonly onExit = () => this.release();
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    readonly path: string,
    private readonly text: string,
    /** Kept open until release: the kernel lock lives as long as this descriptor. */
    private readonly fd: number,
  ) {
    process.on('exit', this.onExit);
    this.heartbeat = setInterval(() => {
      try {
        const now = new Date();
        futimesSync(fd, now, now);
      } catch {
        // A missed beat is harmless; HEARTBEAT_STALE_MS allows several.
      }
    }, HEARTBEAT_MS).unref();
  }

  /** Takes the lock of `dir` (which must exist) for `command`, or throws a usage error naming the holder. */
  static acquire(dir: string, command: string): RunLock {
    const path = join(dir, RunLock.FILE);
    const deadline = Date.now() + TAKEOVER_WAIT_MS;
    while (Date.now() < deadline) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw writeFailure(error, dir, { usage: true });
        const current = readLock(path);
        if (current === 'gone') continue;
        if (!isStale(path, current.holder)) throw busy(dir, current.holder);
        if (!removeStale(path, current.text)) sleep(2);
        continue;
      }
      let text: string;
      try {
        // The kernel lock comes before the text: a prober that can read the holder can also see its lock.
        // Probers hold a shared lock for a moment, hence the short wait.
        const kernel = tryKernelLock(fd, 'exclusive', 2000);
        const holder: LockHolder = {
          pid: process.pid,
          host: hostname(),
          started: new Date().toISOString(),
          command,
          ...processIdentity(),
          kernelLock: kernel === 'free',
        };
        text = `${JSON.stringify(holder)}\n`;
        writeSync(fd, text);
      } catch (error) {
        closeSync(fd);
        rmSync(path, { force: true });
        throw error;
      }
      return new RunLock(path, text, fd);
    }
    throw new UsageError(`${dir}: could not take the run lock ${path}`, {
      hint: `another process keeps creating and removing it, or ${path}.takeover is left from a crash (remove it)`,
    });
  }

  /** Removes the lock if it is still ours (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    clearInterval(this.heartbeat);
    try {
      if (readFileSync(this.path, 'utf8') === this.text) rmSync(this.path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
    try {
      closeSync(this.fd);
    } catch {
      // Closed already.
    }
  }
}

/** A lock file's text and holder (undefined when unreadable), or 'gone' when it vanished meanwhile. */
function readLock(path: string): { text: string; holder: LockHolder | undefined } | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    const valid = typeof holder.pid === 'number' && typeof holder.host === 'string';
    return { text, holder: valid ? holder : undefined };
  } catch {
    return { text, holder: undefined };
  }
}

/**
 * Removes the stale lock whose text was `seen`, under the takeover guard; false when another
 * process holds the guard (try again). Under the guard the lock is read again: removed only if it
 * is still that stale lock, so a lock another process has meanwhile created is never touched.
 */
function removeStale(path: string, seen: string): boolean {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    if (ageMs(guard) > TAKEOVER_STALE_MS) rmSync(guard, { force: true });
    return false;
  }
  try {
    const current = readLock(path);
    if (current !== 'gone' && current.text === seen && isStale(path, current.holder)) {
      rmSync(path, { force: true });
    }
    return true;
  } finally {
    closeSync(fd);
    rmSync(guard, { force: true });
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A lock is stale when its holder is dead (lock-liveness.ts), or when it was never written and is old. */
function isStale(path: string, holder: LockHolder | undefined): boolean {
  if (holder === undefined) {
    try {
      return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return true;
    }
  }
  return holderIsDead(holder, {
    kernelLock: holder.kernelLock === true ? probeKernelLock(path) : 'unavailable',
    heartbeatAgeMs: ageMs(path),
    self: processIdentity(),
    startTicksOfPid: startTicksOf,
    hostname: hostname(),
    processAlive,
  });
}

/** Whether another open file holds the lock file's kernel lock (a shared flock, let go at once). */
function probeKernelLock(path: string): KernelLockState {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return 'unavailable';
  }
  try {
    return tryKernelLock(fd, 'shared');
  } finally {
    closeSync(fd);
  }
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
  return new UsageError(`${dir} is in use by ${who}`, {
    hint: `wait for it to finish, or choose another --out; if that process is gone, remove ${join(dir, RunLock.FILE)}`,
  });
}
