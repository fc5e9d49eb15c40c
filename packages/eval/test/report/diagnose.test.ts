import { describe, expect, it } from 'vitest';
import { boxSizeOf, describeBoxSize, failureModeOf, largestBoxShare } from '../../src/report/diagnose.js';

describe('ground-truth size classes', () => {
  it('uses the largest box as a share of the image, with the stated cut-offs', () => {
    expect(
      largestBoxShare(
        [
          [0, 0, 10, 10],
          [0, 0, 50, 20],
        ],
        100,
        100,
      ),
    ).toBeCloseTo(0.1, 12);
    expect(boxSizeOf(0.099)).toBe('small');
    expect(boxSizeOf(0.1)).toBe('medium');
    expect(boxSizeOf(0.499)).toBe('medium');
    expect(boxSizeOf(0.5)).toBe('large');
    expect(describeBoxSize('small')).toBe('small (< 10% of the image)');
    expect(describeBoxSize('large')).toBe('large (≥ 50%)');
    expect(() => largestBoxShare([], 0, 10)).toThrow(RangeError);
  });
});

describe('failure modes from the predicted and ground-truth boxes', () => {
  const gt = [[20, 20, 80, 80]] as const;
  it('names each mode by its definition', () => {
    expect(failureModeOf([[20, 20, 80, 80]], gt, 1)).toBe('localized');
    // A box inside the object, IoU 0.25: too small.
    expect(failureModeOf([[35, 35, 65, 65]], gt, 0.25)).toBe('too-small');
    // The object inside a box four times its area: too large.
    expect(failureModeOf([[0, 0, 100, 100]], gt, 0.36)).toBe('too-large');
    // Far away: wrong object.
    expect(failureModeOf([[85, 85, 99, 99]], gt, 0)).toBe('wrong-object');
    // Half-overlapping, neither contained: misplaced.
    expect(failureModeOf([[50, 20, 110, 80]], gt, 0.33)).toBe('misplaced');
    // A sliver overlapping a corner, IoU below 0.1 and not contained: wrong object.
    expect(failureModeOf([[75, 75, 120, 120]], gt, 0.01)).toBe('wrong-object');
    expect(failureModeOf([[0, 0, 0, 0]], gt, 0)).toBe('no-box');
    expect(failureModeOf([], gt, 0)).toBe('no-box');
  });

  it('judges containment on the best-overlapping pair of boxes', () => {
    const truths = [
      [0, 0, 10, 10],
      [50, 50, 100, 100],
    ] as const;
    expect(failureModeOf([[60, 60, 70, 70]], truths, 0.04)).toBe('too-small');
    expect(
      failureModeOf(
        [
          [60, 60, 70, 70],
          [200, 200, 210, 210],
        ],
        truths,
        0.04,
      ),
    ).toBe('too-small');
  });
});
