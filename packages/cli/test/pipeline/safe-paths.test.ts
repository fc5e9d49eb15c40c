import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileError } from '@cam-localize/core/workers';
import { describe, expect, it } from 'vitest';
import { pathInside, UnsafePathError, writablePathInside } from '../../src/pipeline/safe-paths.js';

describe('pathInside', () => {
  it('maps relative ids, sub-folders included, under the folder', () => {
    expect(pathInside('/out/cams', 'val/a.JPEG', '.npy')).toBe('/out/cams/val/a.JPEG.npy');
    expect(pathInside('/out', 'x..y/./b')).toBe('/out/x..y/b');
  });

  it.each([
    '../../../../tmp/x/outside.JPEG',
    'val/../../up.JPEG',
    '/etc/passwd',
    'C:evil.jpg',
    '\\\\server\\share\\x',
    'a\\..\\..\\b',
    '',
    '..',
    'nul\0byte',
  ])('refuses %j with a typed error naming the id', (id) => {
    let thrown: unknown;
    try {
      pathInside('/out/overlays', id, '.jpg');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsafePathError);
    expect((thrown as UnsafePathError).id).toBe(id);
    expect((thrown as Error).message).toContain(JSON.stringify(id));
  });

  it('refuses a write carried out of the folder by a symbolic link inside it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cam-safe-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'cam-elsewhere-'));
    symlinkSync(elsewhere, join(folder, 'link'));
    await expect(writablePathInside(folder, 'link/x', '.jpg')).rejects.toBeInstanceOf(FileError);
    // Nothing is created where the link leads, not even a folder on the way.
    await expect(writablePathInside(folder, 'link/sub/x', '.jpg')).rejects.toThrow(
      `${join(folder, 'link')} is a symbolic link that leads outside the output folder ${folder}`,
    );
    expect(readdirSync(elsewhere)).toEqual([]);
    mkdirSync(join(folder, 'real'));
    await expect(writablePathInside(folder, 'real/x', '.jpg')).resolves.toBe(join(folder, 'real', 'x.jpg'));
  });
});
