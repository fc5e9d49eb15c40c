/**
 * The linear system of ROAD's imputation (see noisy-linear-imputation.ts) and a fast solver for
 * it: conjugate gradients preconditioned by one multigrid V-cycle. Plain conjugate gradients need
 * as many iterations as the removed region is wide (thousands on a 224x224 input with 90% removed);
 * the V-cycle makes that a few tens, whatever the size.
 *
 * The V-cycle: two damped-Jacobi sweeps, the residual summed over 2x2 blocks onto the next grid
 * (a coarse cell is unknown when all its pixels are; the same 8-neighbour stencil there), the
 * coarse correction spread back constantly over its block, two more sweeps. Restriction is the
 * transpose of prolongation and the sweeps are the same before and after, so the preconditioner is
 * symmetric, as conjugate gradients need.
 */

/** (dy, dx, weight) of ROAD's 8 neighbours: 1/6 for the direct ones, 1/12 for the diagonals. */
export const NEIGHBOURS: readonly (readonly [number, number, number])[] = [
  [1, 1, 1 / 12],
  [0, 1, 1 / 6],
  [-1, 1, 1 / 12],
  [1, -1, 1 / 12],
  [0, -1, 1 / 6],
  [-1, -1, 1 / 12],
  [1, 0, 1 / 6],
  [-1, 0, 1 / 6],
];

const DY = Int32Array.from(NEIGHBOURS, (n) => n[0]);
const DX = Int32Array.from(NEIGHBOURS, (n) => n[1]);
const WEIGHT = Float64Array.from(NEIGHBOURS, (n) => n[2]);

const SWEEPS = 2;
const DAMPING = 0.7;
const COARSEST = 16;

/** One grid: its unknown pixels and, per unknown, the stencil over the other unknowns. */
export interface Level {
  readonly width: number;
  readonly height: number;
  /** Pixel index of each unknown. */
  readonly unknowns: Int32Array;
  /** Unknown index of each pixel, -1 where known. */
  readonly variable: Int32Array;
  /** Sum of the weights of the neighbours inside the grid. */
  readonly diagonal: Float64Array;
  readonly rowStart: Int32Array;
  readonly columns: Int32Array;
  readonly weights: Float64Array;
  /** Unknown index on the next grid of each unknown here (-1: its block is partly known), and that grid. */
  readonly parent?: Int32Array;
  readonly coarse?: Level;
}

/** The grid of `removed` (1 = unknown), with its coarser grids. */
export function buildLevel(width: number, height: number, removed: Uint8Array): Level {
  const plane = width * height;
  const variable = new Int32Array(plane).fill(-1);
  let n = 0;
  for (let p = 0; p < plane; p++) if (removed[p] === 1) variable[p] = n++;
  const unknowns = new Int32Array(n);
  for (let p = 0; p < plane; p++) if (variable[p]! >= 0) unknowns[variable[p]!] = p;
  const diagonal = new Float64Array(n);
  const rowStart = new Int32Array(n + 1);
  const columns = new Int32Array(8 * n);
  const weights = new Float64Array(8 * n);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const p = unknowns[i]!;
    const y = Math.floor(p / width);
    const x = p - y * width;
    for (let k = 0; k < 8; k++) {
      const yy = y + DY[k]!;
      const xx = x + DX[k]!;
      if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
      diagonal[i]! += WEIGHT[k]!;
      const v = variable[yy * width + xx]!;
      if (v >= 0) {
        columns[edges] = v;
        weights[edges++] = WEIGHT[k]!;
      }
    }
    rowStart[i + 1] = edges;
  }
  const level = {
    width,
    height,
    unknowns,
    variable,
    diagonal,
    rowStart,
    columns: columns.subarray(0, edges),
    weights: weights.subarray(0, edges),
  };
  if (n <= COARSEST || width < 2 || height < 2) return level;
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const coarseRemoved = new Uint8Array(cw * ch).fill(1);
  for (let p = 0; p < plane; p++) {
    if (variable[p]! < 0) {
      const y = Math.floor(p / width);
      coarseRemoved[(y >> 1) * cw + ((p - y * width) >> 1)] = 0;
    }
  }
  const coarse = buildLevel(cw, ch, coarseRemoved);
  if (coarse.unknowns.length === 0) return level;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = unknowns[i]!;
    const y = Math.floor(p / width);
    parent[i] = coarse.variable[(y >> 1) * cw + ((p - y * width) >> 1)]!;
  }
  return { ...level, parent, coarse };
}

/** y = A x: the diagonal minus the couplings to the other unknowns. */
export function multiply(a: Level, x: Float64Array, y: Float64Array): void {
  const { diagonal, rowStart, columns, weights } = a;
  for (let i = 0; i < x.length; i++) {
    let v = diagonal[i]! * x[i]!;
    for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) v -= weights[e]! * x[columns[e]!]!;
    y[i] = v;
  }
}

/** z ~ A^-1 r by one V-cycle (a fixed linear map, symmetric positive definite). */
function vCycle(a: Level, r: Float64Array): Float64Array {
  const n = r.length;
  const z = new Float64Array(n);
  const az = new Float64Array(n);
  const sweep = (count: number) => {
    for (let s = 0; s < count; s++) {
      multiply(a, z, az);
      for (let i = 0; i < n; i++) z[i]! += (DAMPING * (r[i]! - az[i]!)) / a.diagonal[i]!;
    }
  };
  if (a.coarse === undefined || a.parent === undefined) {
    sweep(4 * SWEEPS);
    return z;
  }
  sweep(SWEEPS);
  multiply(a, z, az);
  const rc = new Float64Array(a.coarse.unknowns.length);
  for (let i = 0; i < n; i++) {
    const c = a.parent[i]!;
    if (c >= 0) rc[c]! += r[i]! - az[i]!;
  }
  const zc = vCycle(a.coarse, rc);
  for (let i = 0; i < n; i++) {
    const c = a.parent[i]!;
    if (c >= 0) z[i]! += zc[c]!;
  }
  sweep(SWEEPS);
  return z;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solves A x = b to a relative residual of `tolerance` by V-cycle preconditioned conjugate gradients. */
export function solve(a: Level, b: Float64Array, tolerance = 1e-6): Float64Array {
  const n = b.length;
  const x = new Float64Array(n);
  const r = b.slice();
  const ap = new Float64Array(n);
  let z = vCycle(a, r);
  const p = z.slice();
  let rz = dot(r, z);
  const limit = tolerance * tolerance * dot(b, b);
  for (let iteration = 0; iteration < n + 100 && dot(r, r) > limit; iteration++) {
    multiply(a, p, ap);
    const alpha = rz / dot(p, ap);
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!;
      r[i]! -= alpha * ap[i]!;
    }
    z = vCycle(a, r);
    const next = dot(r, z);
    const beta = next / rz;
    rz = next;
    for (let i = 0; i < n; i++) p[i] = z[i]! + beta * p[i]!;
  }
  return x;
}
