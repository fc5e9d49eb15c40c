/**
 * Readers of user files open only regular files: a FIFO, a device or a folder is refused at once
 * with a FileError naming it (an open FIFO would wait for a writer forever), and a name that is
 * not valid UTF-8 is said to be so instead of a bare ENOENT.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/errors.js';
import {
  assertRegularFileSync,
  readFailureReason,
  readRegularFile,
  readRegularFileSync,
} from '../../src/files/regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'cam-regular-'));
const fifo = join(dir, 'pipe.bin');
execFileSync('mkfifo', [fifo]);
const folder = join(dir, 'folder.bin');
mkdirSync(folder);
const plain = join(dir, 'plain.bin');
writeFileSync(plain, 'bytes');

describe('reading only regular files', () => {
  it('reads a regular file, synchronously and not', async () => {
    expect(readRegularFileSync(plain).toString()).toBe('bytes');
    expect(await readRegularFile(plain, 'utf8')).toBe('bytes');
    expect(() => assertRegularFileSync(plain)).not.toThrow();
  });

  it('refuses a FIFO at once, naming it, instead of waiting for a writer', async () => {
    expect(() => readRegularFileSync(fifo)).toThrow(FileError);
    expect(() => readRegularFileSync(fifo)).toThrow(/is a FIFO \(named pipe\), not a regular file/);
    await expect(readRegularFile(fifo)).rejects.toThrow(/FIFO/);
    const error = (() => {
      try {
        assertRegularFileSync(fifo);
      } catch (e) {
        return e as FileError;
      }
    })();
    expect(error?.file).toBe(fifo);
    expect(error?.code).toBe('E_FILE');
  });

  it('refuses a folder and a character device', async () => {
    await expect(readRegularFile(folder)).rejects.toThrow(/is a folder, not a regular file/);
    expect(() => readRegularFileSync('/dev/zero')).toThrow(/is a character device, not a regular file/);
  });

  it('says a name that is not valid UTF-8 is the cause, not a bare ENOENT', async () => {
    const bytes = Buffer.concat([
      Buffer.from(join(dir, 'bad-')),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.jpg'),
    ]);
    writeFileSync(bytes, 'x');
    const name = readdirSync(dir).find((n) => n.startsWith('bad-'))!;
    expect(name).toContain('\uFFFD');
    const error = await readRegularFile(join(dir, name)).catch((e: unknown) => e);
    expect(readFailureReason(error, join(dir, name))).toMatch(/name is not valid UTF-8/);
    expect(readFailureReason(new Error('x'), plain)).toBe('x');
  });
});
