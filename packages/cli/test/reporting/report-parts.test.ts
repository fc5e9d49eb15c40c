import { DataError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { defaultCompareOut } from '../../src/commands/compare.js';
import type { RunRecord } from '../../src/pipeline/records.js';
import { assertSameDataset, type ComparedRun, disagreements } from '../../src/reporting/compare-runs.js';
import { accuracyByIoULevel } from '../../src/reporting/figures.js';
import { GalleryPicker } from '../../src/reporting/gallery-picks.js';
import { datasetName } from '../../src/reporting/header.js';
import { bestAndWorst, classRows } from '../../src/reporting/per-class.js';

describe('accuracy vs IoU level', () => {
  it('is the share of images whose IoU reaches each level, the level itself included', () => {
    const { levels, accuracy } = accuracyByIoULevel(Float64Array.from([0, 0.5, 0.5, 1]));
    expect(levels).toHaveLength(101);
    expect(accuracy[0]).toBe(100);
    expect(accuracy[50]).toBe(75);
    expect(accuracy[51]).toBe(25);
    expect(accuracy[100]).toBe(25);
  });
});

describe('gallery picks', () => {
  const record = (id: string) => ({ id, status: 'ok', file: id }) as RunRecord;
  it('takes the size classes in turn, best IoU first, the smaller object on ties', () => {
    const picker = new GalleryPicker(4);
    picker.offer({ record: record('large-whole'), iou: 1, share: 1, size: 'large', mode: 'localized' });
    picker.offer({ record: record('large-part'), iou: 1, share: 0.6, size: 'large', mode: 'localized' });
    picker.offer({ record: record('large-low'), iou: 0.6, share: 0.7, size: 'large', mode: 'localized' });
    picker.offer({ record: record('small'), iou: 0.55, share: 0.05, size: 'small', mode: 'localized' });
    picker.offer({ record: record('medium-a'), iou: 0.7, share: 0.2, size: 'medium', mode: 'localized' });
    picker.offer({ record: record('medium-b'), iou: 0.9, share: 0.3, size: 'medium', mode: 'localized' });
    expect(picker.pick('localized').map((c) => c.record.id)).toEqual([
      'small',
      'medium-b',
      'large-part',
      'medium-a',
    ]);
    // An object covering the whole image is never shown as a good example, even with room left.
    const roomy = new GalleryPicker(10);
    roomy.offer({ record: record('large-whole'), iou: 1, share: 0.95, size: 'large', mode: 'localized' });
    roomy.offer({ record: record('large-part'), iou: 0.7, share: 0.6, size: 'large', mode: 'localized' });
    expect(roomy.pick('localized').map((c) => c.record.id)).toEqual(['large-part']);
  });

  it('shows the clearest failures (lowest IoU) of each mode, and nothing with a count of 0', () => {
    const picker = new GalleryPicker(2);
    for (const [id, iou] of [
      ['a', 0.4],
      ['b', 0.1],
      ['c', 0.3],
    ] as const)
      picker.offer({ record: record(id), iou, share: 0.3, size: 'medium', mode: 'too-large' });
    expect(picker.pick('too-large').map((c) => c.record.id)).toEqual(['b', 'c']);
    expect(picker.pick('too-small')).toEqual([]);
    const none = new GalleryPicker(0);
    none.offer({ record: record('x'), iou: 0, share: 1, size: 'large', mode: 'too-small' });
    expect(none.pick('too-small')).toEqual([]);
  });
});

describe('best and worst classes', () => {
  const counts = (images: number, gtKnownLoc: number) => ({
    images,
    gtKnownLoc,
    top1Loc: 0,
    topKLoc: 0,
    top1Cls: 0,
    topKCls: 0,
    predictedClassLoc: 0,
  });
  it('ranks by the Wilson bounds, so one lucky image does not lead, and keeps the two lists apart', () => {
    const rows = classRows({
      classCounts: new Map([
        [1, counts(1, 1)],
        [2, counts(10, 9)],
        [3, counts(10, 1)],
        [4, counts(1, 0)],
        [-1, counts(3, 3)],
      ]),
      classNames: new Map([[2, 'two']]),
    });
    expect(rows.map((r) => r.class)).toEqual([1, 2, 3, 4]);
    expect(rows[1]).toMatchObject({ name: 'two', gtKnownLoc: 90 });
    expect(rows[1]!.low).toBeCloseTo(59.58, 1);
    const { best, worst } = bestAndWorst(rows, 2);
    expect(best.map((r) => r.class)).toEqual([2, 1]);
    expect(worst.map((r) => r.class)).toEqual([3, 4]);
  });
});

describe('compare: the same dataset', () => {
  const run = (label: string, dataset: string, images: [string, string | undefined, number | undefined][]) =>
    ({
      label,
      dir: `/runs/${label}`,
      analysis: { config: { dataset, format: 'wsol-metadata', fingerprint: { split: null } } },
      images: new Map(
        images.map(([id, truth, iou]) => [id, { file: id, iou, boxes: [], gtBoxes: [], truth }]),
      ),
    }) as unknown as ComparedRun;

  it('accepts another folder with the same images and truth (noted), and a failed image in one run', () => {
    const a = run('A', '/data/x', [
      ['1', 't1', 0.2],
      ['2', 't2', 0.9],
    ]);
    const b = run('B', '/copy/x', [
      ['1', 't1', 0.8],
      ['2', undefined, undefined],
    ]);
    expect(assertSameDataset([a, b])).toEqual([
      'Run B read the dataset from /copy/x, run A from /data/x: the same images and ground truth.',
    ]);
    expect(disagreements([a, b], 5)).toEqual([
      { id: '1', ious: [0.2, 0.8], spread: expect.closeTo(0.6, 12) },
    ]);
  });

  it('refuses other images or other ground truth with a DataError naming them', () => {
    const a = run('A', '/data/x', [
      ['1', 't1', 0.2],
      ['2', 't2', 0.9],
    ]);
    expect(() => assertSameDataset([a, run('B', '/data/x', [['1', 't1', 0.2]])])).toThrow(
      /1 only in A \(2\)/,
    );
    expect(() =>
      assertSameDataset([
        a,
        run('B', '/data/x', [
          ['1', 't1', 0.2],
          ['2', 'other', 0.9],
        ]),
      ]),
    ).toThrow(DataError);
  });

  it('names its default folder after the runs', () => {
    expect(defaultCompareOut(['runs/a/', 'b'])).toBe('runs/compare-a-vs-b');
    expect(datasetName('/data/ilsvrc2012-val-1000/')).toBe('ilsvrc2012-val-1000');
  });
});
