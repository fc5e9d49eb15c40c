/**
 * Noisy linear imputation of ROAD (Rong et al., ICML 2022; their `NoisyLinearImputer`): every
 * removed pixel becomes the weighted mean of its 8 neighbours inside the image (weight 1/6 for the
 * four direct ones, 1/12 for the diagonals), kept neighbours giving their values and removed ones
 * their unknowns. That is one sparse linear system per channel,
 *
 *   (sum of the valid neighbours' weights) x_i - sum_{j removed} w_ij x_j = sum_{j kept} w_ij v_j,
 *
 * which the paper solves with scipy's `spsolve`. Its matrix is symmetric and, as long as some
 * pixel is kept, positive definite, so conjugate gradients solve it here (to a relative residual of
 * 1e-6: far below the noise). Gaussian noise of standard deviation `noise` (0.01, the paper's
 * default, in the model's input space) is then added to each imputed value.
 */
import { CamError } from '@cam-localize/core';
import type { SeededRandom } from './seeded-random.js';

const OFFSETS: readonly (readonly [number, number, number])[] = [
  [1, 1, 1 / 12],
  [0, 1, 1 / 6],
  [-1, 1, 1 / 12],
  [1, -1, 1 / 12],
  [0, -1, 1 / 6],
  [-1, -1, 1 / 12],
  [1, 0, 1 / 6],
  [-1, 0, 1 / 6],
];

const TOLERANCE = 1e-6;

/**
 * `input` [3, height, width] with the pixels where `removed` is 1 imputed; `random` draws the
 * noise. At least one pixel must be kept.
 */
export function noisyLinearImpute(
  input: Float32Array,
  width: number,
  height: number,
  removed: Uint8Array,
  noise: number,
  random: SeededRandom,
): Float32Array {
  const plane = width * height;
  const unknowns: number[] = [];
  const variable = new Int32Array(plane).fill(-1);
  for (let p = 0; p < plane; p++) {
    if (removed[p] === 1) variable[p] = unknowns.push(p) - 1;
  }
  const out = input.slice();
  const n = unknowns.length;
  if (n === 0) return out;
  if (n === plane) throw new CamError('E_CAM', 'noisy linear imputation needs at least one kept pixel');
  // The system in compressed rows: diagonal, off-diagonal couplings, and the kept neighbours.
  const diagonal = new Float64Array(n);
  const rowStart = new Int32Array(n + 1);
  const columns: number[] = [];
  const weights: number[] = [];
  const keptStart = new Int32Array(n + 1);
  const keptPixels: number[] = [];
  const keptWeights: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = unknowns[i]!;
    const y = Math.floor(p / width);
    const x = p - y * width;
    for (const [dy, dx, w] of OFFSETS) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
      diagonal[i]! += w;
      const q = yy * width + xx;
      if (variable[q]! >= 0) {
        columns.push(variable[q]!);
        weights.push(w);
      } else {
        keptPixels.push(q);
        keptWeights.push(w);
      }
    }
    rowStart[i + 1] = columns.length;
    keptStart[i + 1] = keptPixels.length;
  }
  const system = {
    diagonal,
    rowStart,
    columns: Int32Array.from(columns),
    weights: Float64Array.from(weights),
  };
  const rhs = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    const channel = input.subarray(c * plane, (c + 1) * plane);
    for (let i = 0; i < n; i++) {
      let b = 0;
      for (let e = keptStart[i]!; e < keptStart[i + 1]!; e++) b += keptWeights[e]! * channel[keptPixels[e]!]!;
      rhs[i] = b;
    }
    const x = conjugateGradients(system, rhs);
    for (let i = 0; i < n; i++) out[c * plane + unknowns[i]!] = x[i]! + noise * random.normal();
  }
  return out;
}

interface SparseSystem {
  readonly diagonal: Float64Array;
  readonly rowStart: Int32Array;
  readonly columns: Int32Array;
  readonly weights: Float64Array;
}

/** y = A x for A = diag - couplings. */
function multiply(a: SparseSystem, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    let v = a.diagonal[i]! * x[i]!;
    for (let e = a.rowStart[i]!; e < a.rowStart[i + 1]!; e++) v -= a.weights[e]! * x[a.columns[e]!]!;
    y[i] = v;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Conjugate gradients from the Jacobi start x = b / diag. */
function conjugateGradients(a: SparseSystem, b: Float64Array): Float64Array {
  const n = b.length;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = b[i]! / a.diagonal[i]!;
  const r = new Float64Array(n);
  const ap = new Float64Array(n);
  multiply(a, x, ap);
  for (let i = 0; i < n; i++) r[i] = b[i]! - ap[i]!;
  const p = r.slice();
  let rr = dot(r, r);
  const limit = TOLERANCE * TOLERANCE * Math.max(dot(b, b), 1e-30);
  for (let iteration = 0; iteration < 10 * n && rr > limit; iteration++) {
    multiply(a, p, ap);
    const alpha = rr / dot(p, ap);
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!;
      r[i]! -= alpha * ap[i]!;
    }
    const next = dot(r, r);
    const beta = next / rr;
    rr = next;
    for (let i = 0; i < n; i++) p[i] = r[i]! + beta * p[i]!;
  }
  return x;
}
