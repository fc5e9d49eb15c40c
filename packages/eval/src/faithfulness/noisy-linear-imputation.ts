/**
 * Noisy linear imputation of ROAD (Rong et al., ICML 2022; their `NoisyLinearImputer`): every
 * removed pixel becomes the weighted mean of its 8 neighbours inside the image (weight 1/6 for the
 * four direct ones, 1/12 for the diagonals), kept neighbours giving their values and removed ones
 * their unknowns. That is one sparse linear system per channel,
 *
 *   (sum of the valid neighbours' weights) x_i - sum_{j removed} w_ij x_j = sum_{j kept} w_ij v_j,
 *
 * which the paper solves with scipy's `spsolve`. Its matrix is symmetric and, as long as some
 * pixel is kept, positive definite, so multigrid-preconditioned conjugate gradients solve it here
 * (masked-laplace.ts; to a relative residual of 1e-6: far below the noise). Gaussian noise of
 * standard deviation `noise` (0.01, the paper's default, in the model's input space) is then
 * added to each imputed value.
 */

import type { SeededRandom } from '@cam-localize/core';
import { CamError } from '@cam-localize/core';
import { buildLevel, NEIGHBOURS, solve } from './masked-laplace.js';

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
  const out = input.slice();
  const level = buildLevel(width, height, removed);
  const { unknowns, variable } = level;
  const n = unknowns.length;
  if (n === 0) return out;
  if (n === plane) throw new CamError('noisy linear imputation needs at least one kept pixel');
  const rhs = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    const channel = input.subarray(c * plane, (c + 1) * plane);
    // The kept neighbours' values, on the right-hand side.
    for (let i = 0; i < n; i++) {
      const p = unknowns[i]!;
      const y = Math.floor(p / width);
      const x = p - y * width;
      let b = 0;
      for (const [dy, dx, w] of NEIGHBOURS) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
        const q = yy * width + xx;
        if (variable[q]! < 0) b += w * channel[q]!;
      }
      rhs[i] = b;
    }
    const x = solve(level, rhs);
    for (let i = 0; i < n; i++) out[c * plane + unknowns[i]!] = x[i]! + noise * random.normal();
  }
  return out;
}
