/**
 * Whether the writer named in a run lock is still alive, without trusting pid numbers (containers
 * reuse them: a killed pod's node was pid 2, and so is its retry's).
 *
 * 1. A kernel lock. The holder keeps `run.lock` open with an exclusive flock(2), which the kernel drops
 *    when the process dies, however it dies (SIGKILL, OOM kill, eviction). Node has no flock in its
 *    core, so `flock(1)` (util-linux; busybox has one too) takes it on a descriptor the process
 *    shares with it: a flock belongs to the open file description, so it outlives the short-lived
 *    `flock` process and lasts until this process closes the file or dies. Others probe with a
 *    shared lock: refused means the holder is alive, wherever it runs. Granted is proof of death only
 *    on the holder's own kernel (same boot id): some network file systems do not carry flocks
 *    between machines (NFS mounted `nolock`, FUSE, Lustre without `-o flock`).
 * 2. Where that cannot decide (no `flock(1)`, a file system refusing locks, another machine): the
 *    holder's identity, its boot id, pid namespace and start time (field 22 of /proc/<pid>/stat),
 *    decides within one kernel and pid namespace, and the lock file's heartbeat (its mtime, touched
 *    every HEARTBEAT_MS) across machines: silent for HEARTBEAT_STALE_MS means dead.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

/** How often a holder touches its lock file. */
export const HEARTBEAT_MS = 10_000;
/** A lock from another machine whose heartbeat is this old is a dead holder's (clocks may differ a little). */
export const HEARTBEAT_STALE_MS = 90_000;

/** Who this process is, to the kernel: what a lock file records beside the pid. */
export interface ProcessIdentity {
  /** /proc/sys/kernel/random/boot_id: one per kernel boot, the same in every container of a machine. */
  readonly bootId?: string;
  /** /proc/self/ns/pid, e.g. `pid:[4026531836]`: pids compare only within one namespace. */
  readonly pidNamespace?: string;
  /** Field 22 of /proc/self/stat: clock ticks after boot at which the process started. */
  readonly startTicks?: number;
}

/** What a lock file records of its holder (fields after `pid` are absent in locks of older versions). */
export interface HolderRecord extends ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  /** Whether the holder took the kernel lock (flock) on the file. */
  readonly kernelLock?: boolean;
}

export type KernelLockState = 'held' | 'free' | 'unavailable';

let flockMissing = false;

/**
 * Tries flock(2) on `fd` through flock(1), without waiting longer than `waitMs`: 'held' when another
 * open file holds a conflicting lock, 'free' when this one got it (and keeps it until `fd` is closed),
 * 'unavailable' when there is no flock(1) or the file system refuses locks.
 */
export function tryKernelLock(fd: number, mode: 'exclusive' | 'shared', waitMs = 0): KernelLockState {
  if (flockMissing) return 'unavailable';
  const wait = waitMs > 0 ? ['-w', String(waitMs / 1000)] : ['-n'];
  const result = spawnSync('flock', [...wait, mode === 'exclusive' ? '-x' : '-s', '-E', '75', '3'], {
    stdio: ['ignore', 'ignore', 'ignore', fd],
    timeout: waitMs + 10_000,
  });
  if (result.error !== undefined) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') flockMissing = true;
    return 'unavailable';
  }
  if (result.status === 0) return 'free';
  // 75: the conflict code asked for; 1 is also flock(1)'s timeout code with -w.
  return result.status === 75 || (waitMs > 0 && result.status === 1) ? 'held' : 'unavailable';
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised name, which may hold spaces). */
export function startTicksOf(pid: number | 'self'): number | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

let own: ProcessIdentity | undefined;

/** This process's identity (empty where /proc is absent: not Linux). */
export function processIdentity(): ProcessIdentity {
  if (own !== undefined) return own;
  let pidNamespace: string | undefined;
  try {
    pidNamespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    pidNamespace = undefined;
  }
  const bootId = readText('/proc/sys/kernel/random/boot_id')?.trim();
  const startTicks = startTicksOf('self');
  own = {
    ...(bootId === undefined ? {} : { bootId }),
    ...(pidNamespace === undefined ? {} : { pidNamespace }),
    ...(startTicks === undefined ? {} : { startTicks }),
  };
  return own;
}

export interface LivenessEvidence {
  /** The probe of the lock file's kernel lock (a shared flock, let go at once). */
  readonly kernelLock: KernelLockState;
  /** How long ago the lock file was last touched. */
  readonly heartbeatAgeMs: number;
  /** The prober's identity. */
  readonly self: ProcessIdentity;
  /** The start time of the process now bearing the holder's pid here; undefined when there is none. */
  readonly startTicksOfPid: (pid: number) => number | undefined;
  readonly hostname: string;
  readonly processAlive: (pid: number) => boolean;
}

/** Whether the holder recorded in a lock file is dead, from the evidence at hand. */
export function holderIsDead(holder: HolderRecord, evidence: LivenessEvidence): boolean {
  if (evidence.kernelLock === 'held') return false;
  if (holder.bootId === undefined) {
    // A lock of an older version (pid and host only): the old rule.
    return holder.host === evidence.hostname && !evidence.processAlive(holder.pid);
  }
  if (holder.bootId === evidence.self.bootId) {
    if (holder.kernelLock === true && evidence.kernelLock === 'free') return true;
    if (holder.pidNamespace !== undefined && holder.pidNamespace === evidence.self.pidNamespace) {
      const ticks = evidence.startTicksOfPid(holder.pid);
      return ticks === undefined || ticks !== holder.startTicks;
    }
  }
  return evidence.heartbeatAgeMs > HEARTBEAT_STALE_MS;
}
