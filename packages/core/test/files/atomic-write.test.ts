/**
 * Outputs are written whole through a temporary file and a rename: a link planted where the file
 * goes is replaced, never written through; a failure leaves no temporary file and names the file.
 */
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/errors.js';
import {
  openAtomicFileSync,
  writeAllSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../../src/files/atomic-write.js';

function plantedLink(): { folder: string; victim: string; target: string } {
  const base = mkdtempSync(join(tmpdir(), 'cam-atomic-'));
  const folder = join(base, 'out');
  mkdirSync(folder);
  const victim = join(base, 'victim.txt');
  writeFileSync(victim, 'precious');
  const target = join(folder, 'a.npy');
  symlinkSync('../victim.txt', target);
  return { folder, victim, target };
}

describe('atomic, no-follow writes', () => {
  it('replaces a link planted at the target instead of writing through it', async () => {
    const { folder, victim, target } = plantedLink();
    await writeFileAtomic(target, 'new bytes');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(target).isFile()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new bytes');
    expect(readdirSync(folder)).toEqual(['a.npy']);
  });

  it('does the same synchronously and for a file written in pieces', () => {
    const one = plantedLink();
    writeFileAtomicSync(one.target, new Uint8Array([1, 2, 3]));
    expect(readFileSync(one.victim, 'utf8')).toBe('precious');
    expect([...readFileSync(one.target)]).toEqual([1, 2, 3]);

    const two = plantedLink();
    const file = openAtomicFileSync(two.target);
    writeAllSync(file.fd, Buffer.from('row 1\n'));
    writeAllSync(file.fd, Buffer.from('row 2\n'));
    expect(readFileSync(two.target, 'utf8')).toBe('precious'); // nothing in place before commit
    file.commit();
    expect(readFileSync(two.target, 'utf8')).toBe('row 1\nrow 2\n');
    expect(readFileSync(two.victim, 'utf8')).toBe('precious');
  });

  it('an aborted file leaves the previous one and no temporary file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cam-atomic-'));
    const target = join(folder, 'report.html');
    writeFileSync(target, 'previous report');
    const file = openAtomicFileSync(target);
    writeAllSync(file.fd, Buffer.from('half a rep'));
    file.abort();
    expect(readFileSync(target, 'utf8')).toBe('previous report');
    expect(readdirSync(folder)).toEqual(['report.html']);
  });

  it('a failure names the file and its cause, and leaves no temporary file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cam-atomic-'));
    const target = join(folder, 'is-a-folder');
    mkdirSync(target);
    const error = await writeFileAtomic(target, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).message).toContain(`${target} cannot be written: it is a folder`);
    expect((error as FileError).errno).toBe('EISDIR');
    expect(readdirSync(folder)).toEqual(['is-a-folder']);
    expect(() => writeFileAtomicSync(join(folder, 'missing', 'x'), 'x')).toThrow(
      /missing\/x cannot be created: a folder on its path does not exist \[ENOENT\]/,
    );
  });
});
