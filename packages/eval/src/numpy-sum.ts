/**
 * numpy's pairwise summation (`np.add.reduce` on a contiguous float64 array), reproduced so that
 * sums come out bit-identical to wsolevaluation's `.sum()` rather than merely close.
 */

const BLOCK = 128;

function pairwise(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    // numpy starts from -0.0 and adds left to right (the sign matters only for all -0 inputs).
    let res = -0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= BLOCK) {
    const r = [
      a[start]!,
      a[start + 1]!,
      a[start + 2]!,
      a[start + 3]!,
      a[start + 4]!,
      a[start + 5]!,
      a[start + 6]!,
      a[start + 7]!,
    ] as [number, number, number, number, number, number, number, number];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      r[0] += a[start + i]!;
      r[1] += a[start + i + 1]!;
      r[2] += a[start + i + 2]!;
      r[3] += a[start + i + 3]!;
      r[4] += a[start + i + 4]!;
      r[5] += a[start + i + 5]!;
      r[6] += a[start + i + 6]!;
      r[7] += a[start + i + 7]!;
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/** Sum of a float64 sequence in numpy's pairwise order. */
export function numpySum(a: ArrayLike<number>): number {
  return 0 + pairwise(a, 0, a.length);
}
