import { describe, expect, it } from 'vitest';
import { numpySum } from '../src/numpy-sum.js';

describe('numpySum (pairwise summation order of np.add.reduce)', () => {
  it('differs from a left-to-right sum where numpy does', () => {
    // 1 + 8 x 1e-16: left to right every tiny term is lost; numpy's 8 accumulators keep them.
    const a = [1, 1e-16, 1e-16, 1e-16, 1e-16, 1e-16, 1e-16, 1e-16, 1e-16];
    let seq = 0;
    for (const v of a) seq += v;
    expect(seq).toBe(1);
    // numpy: r = a[0..7]; ((1+1e-16)+(2e-16)) + ((2e-16)+(2e-16)) then + a[8].
    const r = 1 + 1e-16 + (1e-16 + 1e-16) + (1e-16 + 1e-16 + (1e-16 + 1e-16));
    expect(numpySum(a)).toBe(r + 1e-16);
  });
  it('sums small arrays left to right and empty to 0', () => {
    expect(numpySum([0.1, 0.2, 0.3])).toBe(0.1 + 0.2 + 0.3);
    expect(numpySum([])).toBe(0);
  });
});
