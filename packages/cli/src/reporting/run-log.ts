/**
 * run-log.json: when each `run` session of a directory ran, with which tool version, how many
 * images it processed and how fast. A resumed run adds a session; the report's header sums them.
 */
import { join } from 'node:path';
import { readRegularFile } from '@cam-localize/core/workers';
import { writeJsonAtomic } from '../pipeline/run-dir.js';

export interface RunSession {
  readonly started: string;
  readonly finished: string;
  readonly toolVersion: string;
  readonly images: number;
  readonly seconds: number;
  /** The pipeline's own line: img/s, provider, batch, workers, CPU core-ms per image. */
  readonly throughput: string;
}

export const RUN_LOG = 'run-log.json';

/** The sessions recorded in `dir`; none for a directory written before the log existed or by `merge`. */
export async function readRunLog(dir: string): Promise<RunSession[]> {
  try {
    const value = JSON.parse(await readRegularFile(join(dir, RUN_LOG), 'utf8')) as { sessions?: unknown };
    return Array.isArray(value.sessions) ? (value.sessions as RunSession[]) : [];
  } catch {
    return [];
  }
}

/** Records a session: appended on a resume, alone otherwise. */
export async function recordRunSession(dir: string, session: RunSession, resumed: boolean): Promise<void> {
  const sessions = resumed ? await readRunLog(dir) : [];
  await writeJsonAtomic(join(dir, RUN_LOG), { sessions: [...sessions, session] });
}
