import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    readonly records: Map<string, ImageRecordBase>,
  ) {}

  static readonly RESULTS = 'results.jsonl';
  static readonly CONFIG = 'config.json';

  /** Opens (and with `resume`, reloads) a run directory for appending results. */
  static async open(path: string, config: object, options: { resume: boolean }): Promise<RunDirectory> {
    mkdirSync(path, { recursive: true });
    const resultsPath = join(path, RunDirectory.RESULTS);
    const records = new Map<string, ImageRecordBase>();
    if (existsSync(resultsPath)) {
      if (!options.resume) {
        throw new UsageError('E_USAGE', `${path} already holds a run`, {
          hint: 'pass --resume to continue it, or choose another --out',
        });
      }
      for (const record of readRecords(resultsPath)) records.set(record.id, record);
    } else if (options.resume && !existsSync(join(path, RunDirectory.CONFIG))) {
      throw new UsageError('E_USAGE', `--resume: ${path} holds no run to continue`);
    }
    await writeJsonAtomic(join(path, RunDirectory.CONFIG), config);
    const dir = new RunDirectory(path, records);
    dir.fd = openSync(resultsPath, 'a');
    return dir;
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  /** Appends one image's record as a single write of one line. */
  append(record: ImageRecordBase): void {
    if (this.fd === undefined) throw new Error('run directory is closed');
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    this.records.set(record.id, record);
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

/**
 * Reads a results file. A last line without its newline is a write torn by a kill: it is cut off
 * the file so that appending goes on from a clean line end. Later lines for the same id win.
 */
export function readRecords(path: string): ImageRecordBase[] {
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  const records: ImageRecordBase[] = [];
  const lines = text.slice(0, end).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as ImageRecordBase);
    } catch {
      throw new UsageError('E_USAGE', `${path}:${i + 1}: not a JSON line`, {
        hint: 'the run directory is damaged',
      });
    }
  }
  return records;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, path);
}
