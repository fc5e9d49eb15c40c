import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTarget, rankClasses, resolveTargets } from '../../src/cam/targets.js';
import { CamLocalizeError } from '../../src/errors.js';

describe('rankClasses', () => {
  it('agrees with a stable sort by descending score', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 40 }),
        fc.nat(45),
        (scores, k) => {
          const expected = scores
            .map((s, i) => [s, i] as const)
            .sort((a, b) => b[0] - a[0] || a[1] - b[1])
            .slice(0, Math.min(k, scores.length))
            .map(([, i]) => i);
          expect(Array.from(rankClasses(scores, k))).toEqual(expected);
        },
      ),
    );
  });
});

describe('targets', () => {
  const scores = [0.1, 3, 2, -1];
  it('parses every form', () => {
    expect(parseTarget('predicted')).toEqual({ kind: 'predicted' });
    expect(parseTarget('gt')).toEqual({ kind: 'gt' });
    expect(parseTarget('topk:3')).toEqual({ kind: 'topk', k: 3 });
    expect(parseTarget('17')).toEqual({ kind: 'class', index: 17 });
    expect(parseTarget('tabby', (name) => (name === 'tabby' ? 281 : -1))).toEqual({
      kind: 'class',
      index: 281,
    });
  });
  it('resolves against scores and ground truth', () => {
    expect(resolveTargets({ kind: 'predicted' }, scores)).toEqual([1]);
    expect(resolveTargets({ kind: 'topk', k: 2 }, scores)).toEqual([1, 2]);
    expect(resolveTargets({ kind: 'gt' }, scores, 3)).toEqual([3]);
  });
  it('explains what is wrong', () => {
    const hintOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof CamLocalizeError ? error.toOneLine() : String(error);
      }
      return 'no error';
    };
    expect(hintOf(() => parseTarget('tabby'))).toMatch(
      /not predicted, gt.*\(pass `labels` to use class names\)/,
    );
    expect(() => resolveTargets({ kind: 'gt' }, scores)).toThrow(/ground-truth class/);
    expect(() => resolveTargets({ kind: 'class', index: 9 }, scores)).toThrow(
      /outside the model's 4 classes/,
    );
  });
});
