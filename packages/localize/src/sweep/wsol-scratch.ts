/**
 * The working memory of the wsolevaluation sweep (wsol-sweep.ts), reused between calls on maps of
 * one size, and the counting sort that orders a quantised map's pixels by level.
 */
import { LevelForest, SnapshotBuffer } from './level-forest.js';
import { FG_GROUPS, NB_DX, NB_DY } from './neighbourhood-tables.js';

/** Scratch reused between calls on maps of one size: nothing here needs clearing but `*Added`. */
export interface Scratch {
  readonly width: number;
  readonly height: number;
  /** Padded stride and cell count; N is also the outside node of the background forest. */
  readonly S: number;
  readonly N: number;
  /** Padded pixel indices by quantised level; start[v]..start[v+1] hold level v. */
  readonly order: Int32Array;
  readonly start: Int32Array;
  readonly fill: Int32Array;
  /** Padded column of every padded cell. */
  readonly xOf: Uint16Array;
  readonly fgAdded: Uint8Array;
  readonly bgAdded: Uint8Array;
  readonly fg: LevelForest;
  readonly bg: LevelForest;
  readonly fgSnap: SnapshotBuffer;
  readonly bgSnap: SnapshotBuffer;
  readonly compOfRoot: Int32Array;
  readonly holeOfRoot: Int32Array;
  /** Neighbour offsets in the padded grid, in mask-bit order. */
  readonly off: Int32Array;
  /** Per neighbourhood mask: the offset of the first group's representative (FG_GROUPS). */
  readonly rep0: Int32Array;
}

let scratch: Scratch | undefined;

/** The scratch for a width x height map: the last one when the size is the same, else a new one. */
export function scratchFor(width: number, height: number): Scratch {
  if (scratch !== undefined && scratch.width === width && scratch.height === height) {
    scratch.fgSnap.length = 0;
    scratch.bgSnap.length = 0;
    scratch.fg.liveCount = 0;
    scratch.bg.liveCount = 0;
    return scratch;
  }
  const S = width + 2;
  const N = S * (height + 2);
  const off = Int32Array.from(NB_DX, (dx, j) => NB_DY[j]! * S + dx);
  const xOf = new Uint16Array(N);
  for (let i = 0; i < N; i++) xOf[i] = i % S;
  scratch = {
    width,
    height,
    S,
    N,
    order: new Int32Array(width * height),
    start: new Int32Array(258),
    fill: new Int32Array(257),
    xOf,
    fgAdded: new Uint8Array(N),
    bgAdded: new Uint8Array(N),
    fg: new LevelForest(N),
    bg: new LevelForest(N + 1),
    fgSnap: new SnapshotBuffer(),
    bgSnap: new SnapshotBuffer(),
    compOfRoot: new Int32Array(N + 1),
    holeOfRoot: new Int32Array(N + 1),
    off,
    rep0: Int32Array.from(FG_GROUPS, (g) => (g === 0 ? 0 : off[(g & 15) - 1]!)),
  };
  return scratch;
}

/**
 * Counting sort of the pixels by quantised level into `sc.order` (padded indices, raster order
 * within a level); returns the maximum level.
 */
export function sortByLevel(q: Uint8Array, sc: Scratch): number {
  const { start, fill, order, width, height, S } = sc;
  start.fill(0);
  for (let i = 0; i < q.length; i++) start[q[i]! + 1]!++;
  let maxQ = 0;
  for (let v = 255; v > 0; v--) {
    if (start[v + 1]! > 0) {
      maxQ = v;
      break;
    }
  }
  for (let v = 1; v < 258; v++) start[v]! += start[v - 1]!;
  fill.set(start.subarray(0, 257));
  for (let y = 0, i = 0; y < height; y++) {
    const row = (y + 1) * S + 1;
    for (let x = 0; x < width; x++, i++) order[fill[q[i]!]!++] = row + x;
  }
  return maxQ;
}
