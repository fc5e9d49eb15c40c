/**
 * run-log.json: when each `run` session of a directory ran, with which tool version, how many
 * images it processed and how fast. A session is written when it starts, so a session that never
 * ends (SIGKILL, an OOM kill, Ctrl-C) is still there: its figures are then read from the records it
 * appended to results.jsonl (those after `resultsOffset`), up to the file's last write. A resumed run
 * adds a session; the report's header and the summary sum them.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { openRegularFileSync, readRegularFile } from '@cam-localize/core/workers';
import { RunDirectory, writeJsonAtomic } from '../pipeline/run-dir.js';

export interface RunSession {
  readonly started: string;
  /** When it ended; for an interrupted session, the last write of results.jsonl. */
  readonly finished: string;
  readonly toolVersion: string;
  readonly images: number;
  readonly seconds: number;
  readonly imagesPerSecond?: number;
  /** The pipeline's own line: img/s, provider, batch, workers, CPU core-ms per image. */
  readonly throughput: string;
  /** The size of results.jsonl when the session started: its records follow. */
  readonly resultsOffset?: number;
  /** Written at the start and never finished: its figures come from results.jsonl. */
  readonly interrupted?: boolean;
}

/** A session as written when it starts (no end yet). */
export interface StoredSession extends Omit<RunSession, 'finished'> {
  readonly finished: string | null;
}

/** All sessions of a run together. */
export interface SessionTotals {
  readonly sessions: number;
  readonly images: number;
  readonly seconds: number;
}

export const RUN_LOG = 'run-log.json';

async function readStored(dir: string): Promise<StoredSession[]> {
  try {
    const value = JSON.parse(await readRegularFile(join(dir, RUN_LOG), 'utf8')) as { sessions?: unknown };
    return Array.isArray(value.sessions) ? (value.sessions as StoredSession[]) : [];
  } catch {
    return [];
  }
}

/**
 * The sessions recorded in `dir`, an unfinished one closed with what results.jsonl holds of it;
 * none for a directory written before the log existed or by `merge`.
 */
export async function readRunLog(dir: string): Promise<RunSession[]> {
  return (await readStored(dir)).map((s) => closed(dir, s));
}

/**
 * Records the start of a session (after the run directory is opened, before the first image):
 * appended on a resume, its earlier sessions closed as `readRunLog` closes them; alone otherwise.
 */
export async function startRunSession(
  dir: string,
  toolVersion: string,
  resumed: boolean,
): Promise<StoredSession> {
  const earlier = resumed ? await readRunLog(dir) : [];
  const session: StoredSession = {
    started: new Date().toISOString(),
    finished: null,
    toolVersion,
    images: 0,
    seconds: 0,
    throughput: '',
    resultsOffset: resultsSize(dir),
  };
  await writeJsonAtomic(join(dir, RUN_LOG), { sessions: [...earlier, session] });
  return session;
}

/** Records the end of `session`; returns every session of the run. */
export async function finishRunSession(
  dir: string,
  session: StoredSession,
  figures: { images: number; seconds: number; throughput: string },
): Promise<RunSession[]> {
  const finished: RunSession = {
    ...session,
    ...figures,
    finished: new Date().toISOString(),
    imagesPerSecond: rate(figures.images, figures.seconds),
  };
  const stored = await readStored(dir);
  const at = stored.findIndex((s) => s.started === session.started && s.finished === null);
  const sessions = at < 0 ? [...stored, finished] : stored.map((s, i) => (i === at ? finished : s));
  await writeJsonAtomic(join(dir, RUN_LOG), { sessions });
  return sessions.map((s) => closed(dir, s));
}

/** The sums over a run's sessions (what the summary and the report's header say). */
export function sessionTotals(sessions: readonly RunSession[]): SessionTotals {
  return {
    sessions: sessions.length,
    images: sessions.reduce((sum, s) => sum + s.images, 0),
    seconds: sessions.reduce((sum, s) => sum + s.seconds, 0),
  };
}

function rate(images: number, seconds: number): number {
  return seconds > 0 ? Math.round((images / seconds) * 10) / 10 : 0;
}

/** A stored session as it ended: as written, or, never finished, from the records it appended. */
function closed(dir: string, s: StoredSession): RunSession {
  if (s.finished !== null) return s as RunSession;
  const { images, lastWrite } = recordsAfter(dir, s.resultsOffset ?? 0);
  const startMs = Date.parse(s.started);
  const endMs = Math.max(startMs, lastWrite ?? startMs);
  const seconds = (endMs - startMs) / 1000;
  const perSecond = rate(images, seconds);
  return {
    ...s,
    finished: new Date(endMs).toISOString(),
    images,
    seconds,
    imagesPerSecond: perSecond,
    throughput: `${perSecond.toFixed(1)} img/s (interrupted: counted from results.jsonl)`,
    interrupted: true,
  };
}

function resultsSize(dir: string): number {
  try {
    const fd = openRegularFileSync(join(dir, RunDirectory.RESULTS));
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** The complete lines of results.jsonl after byte `offset`, and when the file was last written. */
function recordsAfter(dir: string, offset: number): { images: number; lastWrite: number | undefined } {
  let fd: number;
  try {
    fd = openRegularFileSync(join(dir, RunDirectory.RESULTS));
  } catch {
    return { images: 0, lastWrite: undefined };
  }
  try {
    const stats = fstatSync(fd);
    const chunk = Buffer.allocUnsafe(1 << 20);
    let images = 0;
    for (let at = Math.max(0, offset); at < stats.size; ) {
      const n = readSync(fd, chunk, 0, chunk.length, at);
      if (n <= 0) break;
      for (let i = 0; i < n; i++) if (chunk[i] === 0x0a) images++;
      at += n;
    }
    return { images, lastWrite: stats.mtimeMs };
  } finally {
    closeSync(fd);
  }
}
