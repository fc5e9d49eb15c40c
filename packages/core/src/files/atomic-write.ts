/**
 * Every output file is written whole or not at all: the bytes go to a new temporary file in the
 * same folder (created exclusively, so no planted link is followed), then a rename puts it in
 * place. A link planted where the output goes is replaced, never written through; a full disk
 * leaves the previous file (or none), never a cut one; and a failure names the file, not the
 * temporary.
 */
import { closeSync, constants, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileWriteError } from './write-failure.js';

// O_EXCL with O_CREAT never follows a final link; O_NOFOLLOW says so again where it exists.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

let serial = 0;

/** A fresh name next to `path`, hidden, unique in this process and across processes. */
export function temporaryPathFor(path: string): string {
  const name = basename(path).slice(0, 160);
  return join(dirname(path), `.${name}.${process.pid}.${++serial}.tmp`);
}

/** Writes `data` to `path` through a temporary file and a rename (see above). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    const handle = await open(temporary, CREATE_FLAGS, 0o666);
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw fileWriteError(error, path);
  }
}

/** `writeFileAtomic`, synchronously. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const file = openAtomicFileSync(path);
  try {
    writeAllSync(file.fd, typeof data === 'string' ? Buffer.from(data) : data);
    file.commit();
  } catch (error) {
    file.abort();
    throw fileWriteError(error, path);
  }
}

/** An output file being written in pieces: `commit` puts it in place, `abort` leaves no trace. */
export interface AtomicFile {
  /** The descriptor of the temporary file; `commit` and `abort` close it. */
  readonly fd: number;
  readonly path: string;
  commit(): void;
  abort(): void;
}

/** Opens a temporary file for `path`, to be written through `fd` and then committed. */
export function openAtomicFileSync(path: string): AtomicFile {
  const temporary = temporaryPathFor(path);
  let fd: number;
  try {
    fd = openSync(temporary, CREATE_FLAGS, 0o666);
  } catch (error) {
    throw fileWriteError(error, path);
  }
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    fd,
    path,
    commit() {
      try {
        close();
        renameSync(temporary, path);
      } catch (error) {
        rmSync(temporary, { force: true });
        throw fileWriteError(error, path);
      }
    },
    abort() {
      try {
        close();
      } finally {
        rmSync(temporary, { force: true });
      }
    },
  };
}

/** Writes all of `bytes` at the descriptor's position (a write may take fewer bytes than given). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
