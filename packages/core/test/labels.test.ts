import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTestBed, shared } from '../../../test-support/testbed.js';
import { DataError } from '../src/errors.js';
import { parseLabels, readLabels } from '../src/labels.js';

describe('labels', () => {
  it('parses wnid-prefixed lines, skipping blanks and comments', () => {
    const l = parseLabels(
      '# classes\nn01440764 tench, Tinca tinca\n\nn01443537 goldfish, Carassius auratus\r\nplain name\n',
    );
    expect(l.names).toEqual(['tench', 'goldfish', 'plain name']);
    expect(l.wnids).toEqual(['n01440764', 'n01443537', null]);
    expect(l.fullNames[0]).toBe('tench, Tinca tinca');
    expect(l.indexOf('n01443537')).toBe(1);
    expect(l.indexOf('Goldfish')).toBe(1);
    expect(l.indexOf('tench, tinca tinca')).toBe(0);
    expect(l.indexOf('shark')).toBe(-1);
    expect(l.nameOf(2)).toBe('plain name');
    expect(l.nameOf(9)).toBe('class 9');
  });
  it('errors name the file and line', async () => {
    const bad = (() => {
      try {
        parseLabels('n01440764 tench\nn0144 broken id\n', 'x.txt');
      } catch (e) {
        return e as DataError;
      }
    })();
    expect(bad).toBeInstanceOf(DataError);
    expect(bad!.toOneLine()).toMatch(/^x\.txt:2: /);
    expect(() => parseLabels('\n# nothing\n', 'y.txt')).toThrow(/no class names/);
    await expect(readLabels(join(tmpdir(), 'does-not-exist.txt'))).rejects.toBeInstanceOf(DataError);
    const dir = mkdtempSync(join(tmpdir(), 'cam-localize-labels-'));
    writeFileSync(join(dir, 'l.txt'), 'a\nb\n');
    expect((await readLabels(join(dir, 'l.txt'))).names).toEqual(['a', 'b']);
  });
  it.skipIf(!hasTestBed)("reads the test bed's 1000 ImageNet synsets", async () => {
    const l = await readLabels(shared('models', 'imagenet-synsets.txt'));
    expect(l.names.length).toBe(1000);
    expect(l.names[0]).toBe('tench');
    expect(l.wnids[0]).toBe('n01440764');
    expect(l.indexOf('n01443537')).toBe(1);
  });
});
