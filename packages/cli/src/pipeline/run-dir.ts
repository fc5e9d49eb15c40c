import {
  closeSync,
  createReadStream,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from '@cam-localize/core';

/**
 * A run directory: the configuration used, one JSON line per finished image (written as each
 * finishes, so a killed run loses nothing it finished), and the summary files written at the end.
 * Resuming reads the lines back, drops a torn last line (a kill -9 mid-write) and tells the
 * pipeline which images are done.
 */
export class RunDirectory {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    /** Ids of the images already finished (ok or failed); only ids, so memory stays small. */
    readonly done: Set<string>,
  ) {}

  static readonly RESULTS = 'results.jsonl';
  static readonly CONFIG = 'config.json';

  /** Opens (and with `resume`, reloads) a run directory for appending results. */
  static async open(
    path: string,
    config: object,
    options: { resume: boolean; overwrite?: boolean },
  ): Promise<RunDirectory> {
    mkdirSync(path, { recursive: true });
    const resultsPath = join(path, RunDirectory.RESULTS);
    if (options.overwrite === true && !options.resume) rmSync(resultsPath, { force: true });
    const done = new Set<string>();
    if (existsSync(resultsPath)) {
      if (!options.resume) {
        throw new UsageError('E_USAGE', `${path} already holds a run`, {
          hint: 'pass --resume to continue it, --overwrite to start it again, or choose another --out',
        });
      }
      cutTornLine(resultsPath);
      for await (const record of readRecords(resultsPath)) done.add(record.id);
    } else if (options.resume && !existsSync(join(path, RunDirectory.CONFIG))) {
      throw new UsageError('E_USAGE', `--resume: ${path} holds no run to continue`);
    }
    await writeJsonAtomic(join(path, RunDirectory.CONFIG), config);
    const dir = new RunDirectory(path, done);
    dir.fd = openSync(resultsPath, 'a');
    return dir;
  }

  has(id: string): boolean {
    return this.done.has(id);
  }

  /** Appends one image's record as a single write of one line. */
  append(record: ImageRecordBase): void {
    if (this.fd === undefined) throw new Error('run directory is closed');
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    this.done.add(record.id);
  }

  close(): void {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
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
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      readSync(fd, chunk, 0, end - start, start);
      const newline = chunk.subarray(0, end - start).lastIndexOf(10);
      if (newline >= 0) {
        const keep = start + newline + 1;
        if (keep < size) truncateSync(path, keep);
        return;
      }
      end = start;
    }
    if (size > 0) truncateSync(path, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams the records of a results file, one JSON line at a time (memory does not grow with the
 * run). Lines are complete: `RunDirectory.open` cut any torn last line before.
 */
export async function* readRecords<T extends ImageRecordBase = ImageRecordBase>(
  path: string,
): AsyncGenerator<T> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as T;
    } catch {
      lines.close();
      throw new UsageError('E_USAGE', `${path}:${number}: not a JSON line`, {
        hint: 'the run directory is damaged',
      });
    }
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, path);
}
