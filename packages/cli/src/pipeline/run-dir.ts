import {
  closeSync,
  constants,
  createReadStream,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from '@cam-localize/core';
import {
  assertRegularFileSync,
  FileError,
  makeFolders,
  readRegularFile,
  writeFileAtomic,
} from '@cam-localize/core/workers';
import { exitOnInterrupt } from './interrupt.js';
import { writeFailure } from './io-errors.js';
import { BadLines, checkBaseRecord, type RecordCheck } from './record-schema.js';
import { RunLock } from './run-lock.js';

// A results.jsonl that is a link (planted in the run folder) is refused, never appended through.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;

/**
 * A run directory: the configuration used, one JSON line per finished image (written as each
 * finishes, so a killed run loses nothing it finished), and the summary files written at the end.
 * Resuming reads the lines back, drops a torn last line (a kill -9 mid-write) and tells the
 * pipeline which images are done.
 */
export interface RunDirectoryOptions {
  readonly resume: boolean;
  readonly overwrite?: boolean;
  /** The command taking the directory, for the lock and for messages (default 'run'). */
  readonly command?: string;
  /**
   * With `resume`: checks the configuration the directory was written with (its config.json,
   * parsed) against this run's, throwing to refuse the resume.
   */
  readonly checkResume?: (previous: unknown) => void;
  /** The command line that continues this run, printed when the run is interrupted. */
  readonly resumeHint?: string;
  /** With `resume`: images whose last record failed are not done, so they run again. */
  readonly retryFailed?: boolean;
  /** With `resume`: the schema each record read back must fit (default: id and status). */
  readonly recordCheck?: RecordCheck;
}

export class RunDirectory {
  private fd: number | undefined;
  private stopHandlingInterrupts: (() => void) | undefined;

  private constructor(
    readonly path: string,
    /** Ids of the images already finished (ok, or failed unless retried); only ids, so memory stays small. */
    readonly done: Set<string>,
    /** With `retryFailed`: ids whose last record failed, which the run does again. */
    readonly retrying: ReadonlySet<string>,
    private readonly lock: RunLock,
  ) {}

  static readonly RESULTS = 'results.jsonl';
  static readonly CONFIG = 'config.json';

  /**
   * Opens (and with `resume`, reloads) a run directory for appending results. The directory is
   * locked against other writers until `release` (or the process's exit).
   */
  static async open(path: string, config: object, options: RunDirectoryOptions): Promise<RunDirectory> {
    try {
      await makeFolders(path);
    } catch (error) {
      throw writeFailure(error, path, { usage: true });
    }
    const lock = RunLock.acquire(path, options.command ?? 'run');
    try {
      const { done, retrying } = await RunDirectory.prepare(path, config, options);
      const dir = new RunDirectory(path, done, retrying, lock);
      const resultsPath = join(path, RunDirectory.RESULTS);
      try {
        dir.fd = openSync(resultsPath, APPEND_FLAGS, 0o666);
      } catch (error) {
        throw writeFailure(error, resultsPath, { usage: true });
      }
      dir.stopHandlingInterrupts = exitOnInterrupt(
        () =>
          `${dir.done.size} finished images are kept in ${resultsPath}` +
          (options.resumeHint ? `; continue with:\n  ${options.resumeHint}` : ''),
        () => {
          dir.close();
          lock.release();
        },
      );
      return dir;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  private static async prepare(
    path: string,
    config: object,
    options: RunDirectoryOptions,
  ): Promise<{ done: Set<string>; retrying: Set<string> }> {
    const resultsPath = join(path, RunDirectory.RESULTS);
    const configPath = join(path, RunDirectory.CONFIG);
    if (options.overwrite === true && !options.resume) rmSync(resultsPath, { force: true });
    const done = new Set<string>();
    const retrying = new Set<string>();
    if (existsSync(resultsPath)) {
      if (!options.resume) {
        throw new UsageError(`${path} already holds a run`, {
          hint: 'pass --resume to continue it, --overwrite to start it again, or choose another --out',
        });
      }
      if (options.checkResume && existsSync(configPath)) {
        options.checkResume(JSON.parse(await readRegularFile(configPath, 'utf8')));
      }
      cutTornLine(resultsPath);
      // The last record of an id is its latest attempt (the replays count that one too).
      for await (const record of readRecords(resultsPath, options.recordCheck)) {
        const retry = record.status === 'error' && options.retryFailed === true;
        (retry ? retrying : done).add(record.id);
        (retry ? done : retrying).delete(record.id);
      }
    } else if (options.resume && !existsSync(configPath)) {
      throw new UsageError(`--resume: ${path} holds no run to continue`);
    }
    try {
      await writeJsonAtomic(configPath, config);
    } catch (error) {
      throw writeFailure(error, configPath, { usage: true });
    }
    return { done, retrying };
  }

  has(id: string): boolean {
    return this.done.has(id);
  }

  /** Appends one image's record as a single write of one line. */
  append(record: ImageRecordBase): void {
    if (this.fd === undefined) throw new Error('run directory is closed');
    try {
      writeSync(this.fd, `${JSON.stringify(record)}\n`);
    } catch (error) {
      throw writeFailure(error, this.file(RunDirectory.RESULTS));
    }
    this.done.add(record.id);
  }

  close(): void {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  /** Closes the results and gives the directory back to other writers. */
  release(): void {
    this.close();
    this.stopHandlingInterrupts?.();
    this.stopHandlingInterrupts = undefined;
    this.lock.release();
  }

  file(name: string): string {
    return join(this.path, name);
  }
}

/** What every per-image line holds; commands add their own fields. */
export interface ImageRecordBase {
  readonly id: string;
  readonly status: 'ok' | 'error';
  readonly error?: string;
}

/** Cuts a last line without its newline: a write torn by a kill, so appending resumes on a clean line. */
export function cutTornLine(path: string): void {
  const fd = openSync(path, NO_FOLLOW | constants.O_RDWR | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileError('is not a regular file', { file: path });
    const size = stats.size;
    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      readSync(fd, chunk, 0, end - start, start);
      const newline = chunk.subarray(0, end - start).lastIndexOf(10);
      if (newline >= 0) {
        const keep = start + newline + 1;
        if (keep < size) ftruncateSync(fd, keep);
        return;
      }
      end = start;
    }
    if (size > 0) ftruncateSync(fd, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams the records of a results file, one JSON line at a time (memory does not grow with the
 * run). Lines are complete: `RunDirectory.open` cut any torn last line before. Each line is
 * checked (`check`: by default the fields every record has); bad lines are skipped, and at the end
 * one usage error names each by its number, so nothing is computed over a damaged file.
 */
export async function* readRecords<T extends ImageRecordBase = ImageRecordBase>(
  path: string,
  check: RecordCheck = checkBaseRecord,
): AsyncGenerator<T> {
  assertRegularFileSync(path);
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const bad = new BadLines(path);
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    const record = bad.parse(line, number, check);
    if (record !== undefined) yield record as T;
  }
  bad.finish();
}

/**
 * `readRecords` with one record per image id. Two writers on one directory (before the run lock
 * existed) or a retried image can leave an id twice; the last record of an id wins, as it is the
 * latest attempt, and it is yielded where that last record stands. Two passes over the file: the
 * first keeps only each id's last line number, so memory stays that of the ids.
 */
export async function* readLatestRecords<T extends ImageRecordBase = ImageRecordBase>(
  path: string,
  check: RecordCheck = checkBaseRecord,
): AsyncGenerator<T> {
  const lastLine = new Map<string, number>();
  let line = 0;
  for await (const record of readRecords(path, check)) lastLine.set(record.id, line++);
  if (lastLine.size === line) {
    yield* readRecords<T>(path, check);
    return;
  }
  line = 0;
  for await (const record of readRecords<T>(path, check))
    if (lastLine.get(record.id) === line++) yield record;
}

/** Writes JSON whole: a temporary file, then a rename (no link followed; a failure names the file). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
