/**
 * Folders below an output folder are created one by one, each checked first: a link planted in
 * the output folder that leads outside stops the write before anything is created outside.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/errors.js';
import { makeFolderInside, makeFolders } from '../../src/files/confined-folder.js';

function layout() {
  const base = mkdtempSync(join(tmpdir(), 'cam-confined-'));
  const out = join(base, 'cams');
  const victim = join(base, 'victimdir');
  mkdirSync(out);
  mkdirSync(victim);
  return { base, out, victim };
}

describe('confined folder creation', () => {
  it('creates missing folders inside the output folder and returns the real path', async () => {
    const { out } = layout();
    const real = await makeFolderInside(join(out, 'new'), 'images/sub');
    expect(real).toBe(join(realpathSync(out), 'new', 'images', 'sub'));
    expect(existsSync(real)).toBe(true);
  });

  it('refuses a link that leads outside, creating nothing there', async () => {
    const { out, victim } = layout();
    symlinkSync(victim, join(out, 'images'));
    const error = await makeFolderInside(out, join(out, 'images', 'sub')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).message).toContain(
      `${join(out, 'images')} is a symbolic link that leads outside the output folder ${out}`,
    );
    expect(readdirSync(victim)).toEqual([]);
  });

  it('follows a link that stays inside the output folder', async () => {
    const { out } = layout();
    mkdirSync(join(out, 'real-images'));
    symlinkSync('real-images', join(out, 'images'));
    const real = await makeFolderInside(out, 'images/sub');
    expect(real).toBe(join(realpathSync(out), 'real-images', 'sub'));
  });

  it('names a file in the way, and a folder outside the output folder', async () => {
    const { out } = layout();
    writeFileSync(join(out, 'images'), 'x');
    await expect(makeFolderInside(out, 'images/sub')).rejects.toThrow(/a part of its path is a file/);
    await expect(makeFolderInside(out, '../elsewhere')).rejects.toThrow(/outside the output folder/);
    await expect(makeFolders(join(out, 'images', 'deeper'))).rejects.toThrow(
      /cannot be created: a part of its path is a file, not a folder \[ENOTDIR\]/,
    );
  });
});
