/**
 * The background pass of the wsolevaluation sweep (wsol-sweep.ts): pixels with q <= c join the
 * shared level forest in increasing level, 4-connected, with a virtual outside node; at every
 * needed cut-off it snapshots the regions that do not reach the outside (the holes).
 *
 * `backgroundPass` (about 110 lines) stays one function, an algorithm kernel: the mirror of the
 * foreground loop in wsol-sweep.ts, one loop over every pixel of every level whose union-find,
 * cell states and snapshot buffers each step reads and writes; split into calls, that state would
 * travel as arguments on the sweep's hottest path, and the two loops would no longer read side by side.
 */
import { BG_AREA } from './neighbourhood-tables.js';
import type { Scratch } from './wsol-scratch.js';

/** Background cell states (0: absent). */
const PRESENT = 1;
const OUTSIDE = 2;

/**
 * Background pixels (q <= c) join in increasing level, 4-connected, with node N as the outside
 * (the pad cells are linked to it at level -1, so edge pixels reach it); snapshots of the other
 * regions (the holes) at every needed cut-off. With `areas`, also keeps the hole-area term (pad
 * cells count as present there, which only changes the term of regions joined to the outside).
 */
export function backgroundPass(
  sc: Scratch,
  maxCut: number,
  slotOfCut: Int32Array,
  from: Int32Array,
  to: Int32Array,
  areas: boolean,
): void {
  const { order, start, S, N, width, height, xOf } = sc;
  const f = sc.bg;
  const { parent, link } = f;
  const outside = N;
  f.make(outside, 0, 1 << 30); // stays the root of whatever it joins
  // Per cell: 0 absent, PRESENT, or OUTSIDE (present and known to be in the outside region; a cell
  // whose region joins the outside later keeps PRESENT, which is only less informative).
  const state = sc.bgAdded;
  state.fill(0);
  const lastRow = (height + 1) * S;
  for (let x = 0; x < S; x++) {
    state[x] = OUTSIDE;
    state[lastRow + x] = OUTSIDE;
    parent[x] = outside;
    link[x] = -1;
    parent[lastRow + x] = outside;
    link[lastRow + x] = -1;
  }
  for (let y = 1; y <= height; y++) {
    const a = y * S;
    const b = a + width + 1;
    state[a] = OUTSIDE;
    state[b] = OUTSIDE;
    parent[a] = outside;
    link[a] = -1;
    parent[b] = outside;
    link[b] = -1;
  }
  const snap = sc.bgSnap;
  for (let c = 0; c <= maxCut; c++) {
    for (let k = start[c]!, end = start[c + 1]!; k < end; k++) {
      const P = order[k]!;
      const w = state[P - 1]!;
      const e = state[P + 1]!;
      const n = state[P - S]!;
      const s = state[P + S]!;
      if ((w | e | n | s) === OUTSIDE) {
        // The common case: every present neighbour is known to be outside (pad cells are).
        parent[P] = outside;
        link[P] = c;
        state[P] = OUTSIDE;
        continue;
      }
      const x = xOf[P]!;
      let r = -1;
      if (w !== 0) {
        r = P - 1;
        while (parent[r] !== r) r = parent[r]!;
      }
      if (e !== 0) {
        let b = P + 1;
        while (parent[b] !== b) b = parent[b]!;
        if (r < 0) r = b;
        else if (b !== r) r = f.unite(r, b, c);
      }
      if (n !== 0) {
        let b = P - S;
        while (parent[b] !== b) b = parent[b]!;
        if (r < 0) r = b;
        else if (b !== r) r = f.unite(r, b, c);
      }
      if (s !== 0) {
        let b = P + S;
        while (parent[b] !== b) b = parent[b]!;
        if (r < 0) r = b;
        else if (b !== r) r = f.unite(r, b, c);
      }
      if (r === outside) {
        parent[P] = outside;
        link[P] = c;
        state[P] = OUTSIDE;
        continue; // the outside's statistics are never read
      }
      if (r < 0) {
        f.make(P, x, 1);
        r = P;
      } else {
        f.attach(P, x, r, c);
      }
      state[P] = PRESENT;
      if (areas) {
        // Present neighbours, pad cells included (see above); state is 0 for absent pixels.
        const m =
          (state[P - S - 1]! !== 0 ? 1 : 0) |
          (n !== 0 ? 2 : 0) |
          (state[P - S + 1]! !== 0 ? 4 : 0) |
          (w !== 0 ? 8 : 0) |
          (e !== 0 ? 16 : 0) |
          (state[P + S - 1]! !== 0 ? 32 : 0) |
          (s !== 0 ? 64 : 0) |
          (state[P + S + 1]! !== 0 ? 128 : 0);
        f.add(r, BG_AREA[m]!);
      }
    }
    if (slotOfCut[c + 1]! >= 0) {
      from[c + 1] = snap.length;
      f.snapshot(snap, outside, S, 1);
      to[c + 1] = snap.length;
    }
  }
}
