/**
 * The padded pixel grid of the wsolevaluation sweep and the lookup tables on a pixel's
 * 8-neighbourhood that make its per-pixel work a few table reads (wsol-sweep.ts explains the
 * algorithm; the foreground and background passes use these).
 *
 * Pixels live on a grid padded by one pixel on every side (stride S = width + 2): pixel (x, y) is
 * P = (y + 1) * S + x + 1, so the 8 neighbours of any pixel are P + a fixed offset with no border
 * test. Foreground pad cells are never present; background pad cells are present and linked to the
 * outside node (index S * (height + 2)), so an edge pixel reaches the outside through them.
 *
 * A pixel's 8-neighbourhood is read as an 8-bit mask of present neighbours, bit j = NB_DX/NB_DY[j]
 * (NW, N, NE, W, E, SW, S, SE). Everything local is a table lookup on it:
 * - FG_GROUPS: the present neighbours fall into groups that are 8-connected among themselves (a ring:
 *   N touches NW, NE, W and E, ...); one neighbour per group (W first) is enough to find every
 *   component the new pixel touches. Packed as nibbles (neighbour index + 1), 0 = none.
 * - FG_EULER: the change of 4 x the Euler number (Gray's bit quads) over the four padded 2x2 windows
 *   holding the pixel: E = components - holes.
 * - FG_AREA / BG_AREA: the area term of wsol-sweep.ts's module comment (windows reaching 3-4
 *   foreground pixels, or 1-2 background pixels, once the pixel is in).
 */
export const NB_DX = [-1, 0, 1, -1, 1, -1, 0, 1];
export const NB_DY = [-1, -1, -1, 0, 0, 1, 1, 1];
/** Gray's bit-quad weights for 8-connected foreground, window bits TL=1, TR=2, BL=4, BR=8. */
const EULER_QUAD = [0, 1, 1, 0, 1, 0, -2, -1, 1, -2, 0, -1, 0, -1, -1, 0];
const POPCOUNT = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

export const FG_GROUPS = new Int32Array(256);
export const FG_EULER = new Int8Array(256);
export const FG_AREA = new Int8Array(256);
export const BG_AREA = new Int8Array(256);
{
  const GROUP_ORDER = [3, 1, 0, 2, 4, 6, 5, 7]; // representatives: W first (often the previous pixel)
  for (let m = 0; m < 256; m++) {
    const has = (j: number): number => (m >> j) & 1;
    // The four windows holding the pixel, as (bits of the others, the pixel's own bit).
    const windows: [number, number][] = [
      [has(0) * 1 + has(1) * 2 + has(3) * 4, 8], // pixel is BR: NW N / W P
      [has(1) * 1 + has(2) * 2 + has(4) * 8, 4], // pixel is BL: N NE / P E
      [has(3) * 1 + has(5) * 4 + has(6) * 8, 2], // pixel is TR: W P / SW S
      [has(4) * 2 + has(6) * 4 + has(7) * 8, 1], // pixel is TL: P E / S SE
    ];
    let euler = 0;
    let fgArea = 0;
    let bgArea = 0;
    for (const [old, bit] of windows) {
      const now = old | bit;
      euler += EULER_QUAD[now]! - EULER_QUAD[old]!;
      if (POPCOUNT[now]! >= 3) fgArea++;
      if (POPCOUNT[now]! <= 2) bgArea++;
    }
    FG_EULER[m] = euler;
    FG_AREA[m] = fgArea;
    BG_AREA[m] = bgArea;
    // Groups of present neighbours, 8-connected among themselves.
    const group = new Int32Array(8).fill(-1);
    let packed = 0;
    let shift = 0;
    for (const j of GROUP_ORDER) {
      if (!has(j) || group[j]! >= 0) continue;
      group[j] = j;
      const stack = [j];
      while (stack.length > 0) {
        const a = stack.pop()!;
        for (let b = 0; b < 8; b++) {
          if (!has(b) || group[b]! >= 0) continue;
          if (Math.abs(NB_DX[a]! - NB_DX[b]!) <= 1 && Math.abs(NB_DY[a]! - NB_DY[b]!) <= 1) {
            group[b] = j;
            stack.push(b);
          }
        }
      }
      packed |= (j + 1) << shift;
      shift += 4;
    }
    FG_GROUPS[m] = packed;
  }
}
