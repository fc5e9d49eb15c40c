/**
 * What the many-threshold sweeps share at their edges: numpy's threshold grid, and the result
 * shape that maps each threshold to one of a few distinct box lists.
 */
import type { Box } from '@cam-localize/core';

export interface SweepResult {
  /** Distinct box lists; several thresholds may share one. */
  readonly levels: Box[][];
  /** For threshold i, its boxes are `levels[levelOfThreshold[i]]`. */
  readonly levelOfThreshold: Int32Array;
}

/**
 * numpy `np.arange(0, 1, interval)`: length ceil(1 / interval), values i * interval (numpy computes
 * start + i * delta, not a running sum), so 0.001 gives exactly wsolevaluation's 1000 thresholds.
 */
export function thresholdGrid(interval = 0.001): Float64Array {
  if (!(interval > 0) || !Number.isFinite(interval)) {
    throw new RangeError(`threshold grid interval must be a positive number, got ${interval}`);
  }
  const n = Math.ceil((1 - 0) / interval);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 0 + i * interval;
  return out;
}
