/**
 * The foreground pass of the wsolevaluation sweep (wsol-sweep.ts): pixels with q > c join the
 * shared level forest in decreasing level, 8-connected; at every needed cut-off it snapshots the
 * components and counts the holes (components - Euler number, Gray's bit quads).
 */
import { FG_AREA, FG_EULER, FG_GROUPS } from './neighbourhood-tables.js';
import type { Scratch } from './wsol-scratch.js';

/**
 * Foreground pixels (q > c) join in decreasing level, 8-connected; a snapshot of the components is
 * taken at every needed cut-off, with the hole count (components - Euler number). With `areas`, also
 * keeps the outer-area term. The per-pixel work is one 8-bit neighbourhood mask and table lookups.
 */
export function foregroundPass(
  sc: Scratch,
  minCut: number,
  slotOfCut: Int32Array,
  from: Int32Array,
  to: Int32Array,
  holes: Int32Array,
  areas: boolean,
): void {
  const { order, start, S, off, rep0, xOf } = sc;
  const f = sc.fg;
  const parent = f.parent;
  const added = sc.fgAdded;
  added.fill(0);
  const snap = sc.fgSnap;
  const oNW = -S - 1;
  const oN = -S;
  const oNE = -S + 1;
  const oSW = S - 1;
  const oSE = S + 1;
  let euler4 = 0; // 4 x (components - holes)
  for (let c = 254; c >= minCut; c--) {
    const v = c + 1; // pixels of level v join when the cut-off drops to c
    for (let k = start[v]!, end = start[v + 1]!; k < end; k++) {
      const P = order[k]!;
      const m =
        added[P + oNW]! |
        (added[P + oN]! << 1) |
        (added[P + oNE]! << 2) |
        (added[P - 1]! << 3) |
        (added[P + 1]! << 4) |
        (added[P + oSW]! << 5) |
        (added[P + S]! << 6) |
        (added[P + oSE]! << 7);
      added[P] = 1;
      euler4 += FG_EULER[m]!;
      const x = xOf[P]!;
      if (m === 0) {
        f.make(P, x, 1); // no window reaches 3 pixels: no area term
        continue;
      }
      let r = P + rep0[m]!;
      while (parent[r] !== r) r = parent[r]!;
      let g = FG_GROUPS[m]! >> 4;
      while (g !== 0) {
        let b = P + off[(g & 15) - 1]!;
        while (parent[b] !== b) b = parent[b]!;
        if (b !== r) r = f.unite(r, b, c);
        g >>= 4;
      }
      f.attach(P, x, r, c);
      if (areas) f.add(r, FG_AREA[m]!);
    }
    if (slotOfCut[c + 1]! >= 0) {
      from[c + 1] = snap.length;
      f.snapshot(snap, -1, S, 1);
      to[c + 1] = snap.length;
      holes[c + 1] = f.liveCount - euler4 / 4;
    }
  }
}
