import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTarget, readLabels } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { assertBuiltInNameFits, classNamesFor } from '../../src/pipeline/class-names.js';

describe('classNamesFor', () => {
  it('uses the built-in ImageNet-1k names for a 1000-class model without a list, and says so', () => {
    const names = classNamesFor(1000, {});
    expect(names.names).toHaveLength(1000);
    expect([names.names[0], names.names[1], names.names[999]]).toEqual([
      'tench',
      'goldfish',
      'toilet tissue',
    ]);
    expect(names.note).toMatch(/^class names: ImageNet-1k \(built in/);
  });

  it('keeps indices for other class counts, and says so', () => {
    const names = classNamesFor(10, {});
    expect(names.names).toEqual(new Array(10).fill(null));
    expect(names.note).toContain('none for 10 classes');
  });

  it('prefers a --labels file, then the dataset list, with nothing to say', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'class-names-')), 'labels.txt');
    writeFileSync(file, 'cat\ndog\n');
    const labels = await readLabels(file);
    expect(classNamesFor(2, { labels, datasetNames: ['x', 'y'] })).toEqual({ names: ['cat', 'dog'] });
    expect(classNamesFor(1000, { datasetNames: ['a', 'b'] }).names.slice(0, 3)).toEqual(['a', 'b', null]);
    expect(classNamesFor(1000, { datasetNames: ['a'] }).note).toBeUndefined();
  });
});

describe('assertBuiltInNameFits', () => {
  const goldfish = parseTarget('goldfish', () => 1);
  it('lets an ImageNet class name through for a 1000-class model, and indices or other targets for any', () => {
    expect(() => assertBuiltInNameFits('goldfish', goldfish, 1000)).not.toThrow();
    expect(() => assertBuiltInNameFits('1', parseTarget('1'), 10)).not.toThrow();
    expect(() => assertBuiltInNameFits('topk:3', parseTarget('topk:3'), 10)).not.toThrow();
  });
  it('refuses a built-in name for a model with another class count, naming both counts', () => {
    expect(() => assertBuiltInNameFits('goldfish', goldfish, 10)).toThrow(
      /--target goldfish is an ImageNet class name, but the model has 10 classes, not 1000/,
    );
  });
});
