/**
 * The tool's own boxes from a score map (not the wsolevaluation protocol, see wsol/wsol.ts):
 * threshold the float map (default: 20% of its maximum, as in the original CAM paper), take
 * connected components, and return pixel-edge boxes (columns a..b give x0 = a, x1 = b + 1).
 *
 * Modes: 'largest' = the component with the most pixels (ties: the first in raster order of first
 * pixels); 'all' = every component with at least `minArea` pixels, in raster order; 'merged' = one
 * box around every such component. No foreground gives [].
 */
import type { Box, ScoreMap } from '@cam-localize/core';
import { type ComponentBox, maskComponentBoxes, thresholdComponentBoxes } from './components.js';
import { DEFAULT_THRESHOLD, type ThresholdSpec, thresholdValue } from './threshold.js';

export interface BoxOptions {
  /** Default DEFAULT_THRESHOLD (20% of the maximum). */
  readonly threshold?: ThresholdSpec;
  /** Default 'largest'. */
  readonly mode?: BoxMode;
  /** Default 8. */
  readonly connectivity?: 4 | 8;
  /** Components with fewer pixels are dropped (default 1: none). */
  readonly minArea?: number;
}

export const BOX_MODES = ['largest', 'all', 'merged'] as const;

export type BoxMode = (typeof BOX_MODES)[number];

/** Boxes of a 0/1 mask, by mode (see the module comment). */
export function boxesFromMask(
  mask: Uint8Array,
  width: number,
  height: number,
  options: Omit<BoxOptions, 'threshold'> = {},
): Box[] {
  checkMode(options.mode ?? 'largest');
  return pickBoxes(
    maskComponentBoxes(mask, width, height, options.connectivity ?? 8),
    width,
    height,
    options,
  );
}

function checkMode(mode: BoxMode): void {
  if (!BOX_MODES.includes(mode))
    throw new RangeError(`box mode must be one of ${BOX_MODES.join(', ')}, got ${mode}`);
}

function pickBoxes(
  components: ComponentBox[],
  width: number,
  height: number,
  options: Omit<BoxOptions, 'threshold'>,
): Box[] {
  const mode = options.mode ?? 'largest';
  const minArea = options.minArea ?? 1;
  const kept = components.filter((c) => c.area >= minArea);
  if (kept.length === 0) return [];
  if (mode === 'all') return kept.map((c) => c.box);
  if (mode === 'largest') {
    let best = kept[0]!;
    for (const c of kept) if (c.area > best.area) best = c;
    return [best.box];
  }
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (const { box } of kept) {
    if (box.x0 < x0) x0 = box.x0;
    if (box.y0 < y0) y0 = box.y0;
    if (box.x1 > x1) x1 = box.x1;
    if (box.y1 > y1) y1 = box.y1;
  }
  return [{ x0, y0, x1, y1 }];
}

/** Boxes of `map` thresholded by `options.threshold` (strictly greater than the cut-off). */
export function boxesFromMap(map: ScoreMap, options: BoxOptions = {}): Box[] {
  checkMode(options.mode ?? 'largest');
  const cutoff = thresholdValue(map, options.threshold ?? DEFAULT_THRESHOLD);
  const components = thresholdComponentBoxes(
    map.data,
    cutoff,
    map.width,
    map.height,
    options.connectivity ?? 8,
  );
  return pickBoxes(components, map.width, map.height, options);
}
