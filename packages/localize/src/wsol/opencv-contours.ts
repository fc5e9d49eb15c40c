/**
 * A line-by-line port of OpenCV's `cv::findContours` (contours.cpp of OpenCV 3.2 .. 4.x: Suzuki-Abe
 * border following as OpenCV implements it, with its pixel marks, its parent search and its contour
 * tree) for mode RETR_TREE and method CHAIN_APPROX_SIMPLE on a binary image, plus
 * `cv::boundingRect` and `cv::contourArea` of the resulting point lists.
 *
 * Why a port and not a cleaner algorithm: wsolevaluation picks "the contour of largest area, the first
 * one on ties" in the order findContours returns them, and that order is an artefact of OpenCV's
 * implementation (contours are discovered in raster order, each one is *prepended* to its parent's
 * child list, and the tree is flattened depth-first). This is the slow, trusted reference: the
 * many-threshold sweep (sweep/wsol-sweep.ts) is checked against it, and it is checked against real
 * cv2 by the fixture in test/fixtures.
 *
 * `findContoursTree` (about 200 lines) stays one function, an algorithm kernel: it follows
 * contours.cpp statement by statement, so that a reader can hold it against OpenCV's source;
 * split, the correspondence (and the tie order it reproduces) would be lost.
 *
 * Like OpenCV >= 3.2, the image is padded with one pixel of zeros, so foreground on the image edge is
 * traced like any other; coordinates are returned in the unpadded image.
 */

/** One contour in findContours' output order. */
export interface CvContour {
  /** CHAIN_APPROX_SIMPLE points, x0 y0 x1 y1 ... in image coordinates. */
  readonly points: Int32Array;
  /** A hole border (the border between a foreground component and a background region it encloses). */
  readonly isHole: boolean;
  /** Index of the parent contour in the output list, -1 for top-level ones (as in cv2's hierarchy[...][3]). */
  readonly parent: number;
}

interface Info {
  isHole: boolean;
  /** Padded-image index of the contour's first pixel. */
  origin: number;
  rectX: number;
  rectY: number;
  rectW: number;
  rectH: number;
  parent: Info | null;
  next: Info | null;
  node: TreeNode;
}

interface TreeNode {
  id: number;
  points: Int32Array;
  isHole: boolean;
  vNext: TreeNode | null;
  hNext: TreeNode | null;
  vPrev: TreeNode | null;
}

const MAX_SIZE = 16;
const CODE_DX = [1, 1, 0, -1, -1, -1, 0, 1];
const CODE_DY = [0, -1, -1, -1, 0, 1, 1, 1];

function makeDeltas(step: number): Int32Array {
  const d = new Int32Array(MAX_SIZE);
  const base = [1, -step + 1, -step, -step - 1, -1, step - 1, step, step + 1];
  for (let i = 0; i < MAX_SIZE; i++) d[i] = base[i & 7]!;
  return d;
}

/**
 * icvTraceContour (OpenCV >= 4.5.x, with the fix that checks that the stop point is the last
 * crossing of this border met by a raster scan): does the border starting at i0 reach stopPtr there?
 */
function traceContour(
  img: Int8Array,
  deltas: Int32Array,
  i0: number,
  stopPtr: number,
  isHole: boolean,
): boolean {
  let s = isHole ? 0 : 4;
  const sEnd = s;
  let i1: number;
  do {
    s = (s - 1) & 7;
    i1 = i0 + deltas[s]!;
  } while (img[i1] === 0 && s !== sEnd);
  let i3 = i0;
  let i4 = 0;
  if (s === sEnd) return i3 === stopPtr;
  for (;;) {
    s = Math.min(s, MAX_SIZE - 1);
    while (s < MAX_SIZE - 1) {
      i4 = i3 + deltas[++s]!;
      if (img[i4] !== 0) break;
    }
    if (i3 === stopPtr) {
      if ((img[i3]! & 0x80) === 0) return true; // the only contour through this pixel
      let t = s;
      for (;;) {
        t = (t - 1) & 7;
        if (img[i3 + deltas[t]!] !== 0) break;
        if (t === 0) return true;
      }
    }
    if (i4 === i0 && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
  return false;
}

/**
 * cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE) for a row-major mask (non-zero =
 * foreground), in OpenCV's output order.
 */
export function findContoursTree(mask: ArrayLike<number>, width: number, height: number): CvContour[] {
  const step = width + 2;
  const rows = height + 2;
  const img = new Int8Array(step * rows);
  for (let y = 0; y < height; y++) {
    const src = y * width;
    const dst = (y + 1) * step + 1;
    for (let x = 0; x < width; x++) img[dst + x] = mask[src + x] !== 0 ? 1 : 0;
  }
  const deltas = makeDeltas(step);
  const scanW = step - 1;
  const scanH = rows - 1;
  const frameNode: TreeNode = {
    id: -1,
    points: new Int32Array(0),
    isHole: true,
    vNext: null,
    hNext: null,
    vPrev: null,
  };
  const frame: Info = {
    isHole: true,
    origin: 0,
    rectX: 0,
    rectY: 0,
    rectW: step,
    rectH: rows,
    parent: null,
    next: null,
    node: frameNode,
  };
  const table: (Info | null)[] = new Array(128).fill(null);
  let nbd = 2;
  let lnbdX = 0;
  let lnbdY = 1;
  const pts: number[] = [];

  const fetch = (i0: number, ptX0: number, ptY0: number, isHole: boolean, mark: number, info: Info): void => {
    pts.length = 0;
    let ptX = ptX0;
    let ptY = ptY0;
    let rx = ptX;
    let rw = ptX;
    let ry = ptY;
    let rh = ptY;
    let s = isHole ? 0 : 4;
    let sEnd = s;
    let i1: number;
    do {
      s = (s - 1) & 7;
      i1 = i0 + deltas[s]!;
    } while (img[i1] === 0 && s !== sEnd);
    if (s === sEnd) {
      img[i0] = mark | 0x80;
      pts.push(ptX, ptY);
    } else {
      let i3 = i0;
      let i4 = 0;
      let prevS = s ^ 4;
      for (;;) {
        sEnd = s;
        s = Math.min(s, MAX_SIZE - 1);
        while (s < MAX_SIZE - 1) {
          i4 = i3 + deltas[++s]!;
          if (img[i4] !== 0) break;
        }
        s &= 7;
        if ((s - 1) >>> 0 < sEnd >>> 0) img[i3] = mark | 0x80;
        else if (img[i3] === 1) img[i3] = mark;
        if (s !== prevS) {
          pts.push(ptX, ptY);
          if (ptX < rx) rx = ptX;
          else if (ptX > rw) rw = ptX;
          if (ptY < ry) ry = ptY;
          else if (ptY > rh) rh = ptY;
        }
        prevS = s;
        ptX += CODE_DX[s]!;
        ptY += CODE_DY[s]!;
        if (i4 === i0 && i3 === i1) break;
        i3 = i4;
        s = (s + 4) & 7;
      }
    }
    info.rectX = rx;
    info.rectY = ry;
    info.rectW = rw - rx + 1;
    info.rectH = rh - ry + 1;
  };

  let count = 0;
  for (let y = 1; y < scanH; y++) {
    const row = y * step;
    let x = 1;
    let prev = 0;
    let p = 0;
    for (; x < scanW; x++) {
      while (x < scanW && (p = img[row + x]!) === prev) x++;
      if (x >= scanW) break;
      let isHole = false;
      let found = true;
      if (!(prev === 0 && p === 1)) {
        if (p !== 0 || prev < 1) found = false;
        else {
          if (prev & -2) lnbdX = x - 1;
          isHole = true;
        }
      }
      if (found) {
        const hole = isHole ? 1 : 0;
        let par: Info | null = null;
        if (lnbdX <= 0) par = frame;
        else {
          const lval = img[lnbdY * step + lnbdX]! & 0x7f;
          let cur = table[lval] ?? null;
          while (cur) {
            if ((lnbdX - cur.rectX) >>> 0 < cur.rectW >>> 0 && (lnbdY - cur.rectY) >>> 0 < cur.rectH >>> 0) {
              if (par && traceContour(img, deltas, par.origin, row + lnbdX, par.isHole)) break;
              par = cur;
            }
            cur = cur.next;
          }
          if (!par) throw new Error('findContoursTree: no parent found (port invariant broken)');
          if (par.isHole === isHole) par = par.parent ?? frame;
        }
        lnbdX = x - hole;
        const lval = nbd;
        nbd = (nbd + 1) & 127;
        nbd += nbd === 0 ? 3 : 0;
        const node: TreeNode = {
          id: count++,
          points: new Int32Array(0),
          isHole,
          vNext: null,
          hNext: null,
          vPrev: null,
        };
        const info: Info = {
          isHole,
          origin: row + x - hole,
          rectX: 0,
          rectY: 0,
          rectW: 0,
          rectH: 0,
          parent: par,
          next: table[lval] ?? null,
          node,
        };
        fetch(row + x - hole, x - hole, y, isHole, lval, info);
        const out = new Int32Array(pts.length);
        for (let k = 0; k < pts.length; k++) out[k] = pts[k]! - 1; // back to unpadded coordinates
        node.points = out;
        table[lval] = info;
        // cvInsertNodeIntoTree: prepend to the parent's children.
        const parentNode = par.node;
        node.vPrev = parentNode === frameNode ? null : parentNode;
        node.hNext = parentNode.vNext;
        parentNode.vNext = node;
        // Resume after this pixel, with `prev` read back from the (now marked) image.
        prev = img[row + x]!;
        continue;
      }
      prev = p;
      if (prev & -2) lnbdX = x;
    }
    lnbdX = 0;
    lnbdY = y + 1;
  }

  // cvTreeToNodeSeq: depth-first, pre-order, from the first top-level contour.
  const ordered: TreeNode[] = [];
  let node: TreeNode | null = frameNode.vNext;
  let level = 0;
  while (node) {
    ordered.push(node);
    if (node.vNext) {
      node = node.vNext;
      level++;
    } else {
      let n: TreeNode | null = node;
      while (n && n.hNext === null) {
        n = n.vPrev;
        if (--level < 0) {
          n = null;
          break;
        }
      }
      node = n ? n.hNext : null;
    }
  }
  const position = new Map<TreeNode, number>();
  for (const [i, n] of ordered.entries()) position.set(n, i);
  return ordered.map((n) => ({
    points: n.points,
    isHole: n.isHole,
    parent: n.vPrev ? position.get(n.vPrev)! : -1,
  }));
}

/** cv2.boundingRect of a point list: [x, y, w, h] with w = max x - min x + 1. */
export function boundingRect(points: Int32Array): [number, number, number, number] {
  if (points.length === 0) return [0, 0, 0, 0];
  let minX = points[0]!;
  let maxX = minX;
  let minY = points[1]!;
  let maxY = minY;
  for (let k = 2; k < points.length; k += 2) {
    const x = points[k]!;
    const y = points[k + 1]!;
    if (x < minX) minX = x;
    else if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    else if (y > maxY) maxY = y;
  }
  return [minX, minY, maxX - minX + 1, maxY - minY + 1];
}

/** cv2.contourArea(points) (not oriented): |shoelace| / 2 of the polygon. */
export function contourArea(points: Int32Array): number {
  const n = points.length >> 1;
  if (n === 0) return 0;
  let a = 0;
  let px = points[2 * n - 2]!;
  let py = points[2 * n - 1]!;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    a += px * y - py * x;
    px = x;
    py = y;
  }
  return Math.abs(a * 0.5);
}
