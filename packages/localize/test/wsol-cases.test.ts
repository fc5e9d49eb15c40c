import type { ScoreMap } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { wsolBoxSweep } from '../src/sweep/wsol-sweep.js';
import { contourArea, findContoursTree } from '../src/wsol/opencv-contours.js';
import { quantizeScoreMap, wsolBoxes, wsolCutoff } from '../src/wsol/wsol.js';

/** A 0/1 picture as a score map (1 = foreground at any threshold in [0, 1)). */
function picture(rows: string[]): ScoreMap {
  const width = rows[0]!.length;
  return { width, height: rows.length, data: Float32Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0)) };
}
const arr = (boxes: { x0: number; y0: number; x1: number; y1: number }[]) =>
  boxes.map((b) => [b.x0, b.y0, b.x1, b.y1]);

describe('quantizeScoreMap (numpy (map * 255).astype(np.uint8) on float32, x86-64)', () => {
  it('truncates the float32 product; out-of-range values wrap or give 0 as numpy does', () => {
    // Values printed by numpy 1.24 for float32 [-1, -0.5, -0.001, nan, inf, -inf, 1.5, 2, 1.01, 0.999999].
    const data = Float32Array.from([
      -1,
      -0.5,
      -0.001,
      Number.NaN,
      Infinity,
      -Infinity,
      1.5,
      2,
      1.01,
      0.999999,
    ]);
    expect(Array.from(quantizeScoreMap({ width: 10, height: 1, data }))).toEqual([
      1, 129, 0, 0, 0, 0, 126, 254, 1, 254,
    ]);
    const exact = Float32Array.from([0, 1 / 255, 0.5, 1, 0.2]);
    // float32(1/255) * 255 rounds to 1 in float32; 0.5 * 255 = 127.5 -> 127.
    expect(Array.from(quantizeScoreMap({ width: 5, height: 1, data: exact }))).toEqual([0, 1, 127, 255, 51]);
  });

  it('cut-off is python int(t * max), toward zero', () => {
    expect(wsolCutoff(0.5, 255)).toBe(127);
    expect(wsolCutoff(0.999, 255)).toBe(254);
    expect(wsolCutoff(-0.001, 255)).toBe(0);
    expect(wsolCutoff(-0.01, 255)).toBe(-2);
    expect(() => wsolCutoff(Number.NaN, 255)).toThrow(RangeError);
  });
});

describe('wsolBoxes, hand-checked', () => {
  it('outer contour: component bounding box, x1 = x + w clipped to W - 1 (the protocol off-by-one)', () => {
    const m = picture(['......', '.##...', '.###..', '......']);
    expect(arr(wsolBoxes(m, 0.5, { multiContour: true }))).toEqual([[1, 1, 4, 3]]);
    const edge = picture(['....', '..##', '..##']);
    expect(arr(wsolBoxes(edge, 0.5, { multiContour: false }))).toEqual([[2, 1, 3, 2]]);
  });

  it('a ring gives its outer contour and a hole contour whose rect is the hole grown by one pixel (cv2 4.6)', () => {
    const ring = picture([
      '...........',
      '.########..',
      '.########..',
      '.##....##..',
      '.##.#..##..', // the inner pixel touches the ring diagonally: same 8-component
      '.########..',
      '...........',
      '...........',
    ]);
    const mask = quantizeScoreMap(ring).map((v) => (v > 0 ? 1 : 0));
    const contours = findContoursTree(mask, 11, 8);
    // cv2.boundingRect: outer [1, 1, 8, 5]; hole (x 3..6, y 3..4) -> [2, 2, 6, 4]. Areas 28 and 12.
    expect(contours.map((c) => c.isHole)).toEqual([false, true]);
    expect(contours.map((c) => contourArea(c.points))).toEqual([28, 12]);
    expect(arr(wsolBoxes(ring, 0.5, { multiContour: true }))).toEqual([
      [1, 1, 9, 6],
      [2, 2, 8, 6],
    ]);
    expect(arr(wsolBoxes(ring, 0.5, { multiContour: false }))).toEqual([[1, 1, 9, 6]]);
  });

  it('no foreground gives the single box [0, 0, 0, 0]', () => {
    expect(arr(wsolBoxes(picture(['...', '...']), 0, { multiContour: true }))).toEqual([[0, 0, 0, 0]]);
    expect(arr(wsolBoxes(picture(['.#.']), 1, { multiContour: false }))).toEqual([[0, 0, 0, 0]]);
  });

  it('single-box mode picks the largest polygon area, not the most pixels', () => {
    // A 1x9 line has 9 pixels and polygon area 0; a 2x2 square has 4 pixels and area 1.
    const m = picture(['#########', '.........', '.....##..', '.....##..']);
    expect(arr(wsolBoxes(m, 0.5, { multiContour: false }))).toEqual([[5, 2, 7, 3]]);
    const areas = findContoursTree(
      quantizeScoreMap(m).map((v) => (v > 127 ? 1 : 0)),
      9,
      4,
    ).map((c) => contourArea(c.points));
    expect(areas.sort()).toEqual([0, 1]);
  });

  it('ties go to the first contour in findContours order: the last discovered in raster order', () => {
    // Two single pixels (area 0 each): cv2 lists the later one first, so python max() keeps it.
    const m = picture(['#...', '...#']);
    expect(arr(wsolBoxes(m, 0.5, { multiContour: true }))).toEqual([
      [3, 1, 3, 1],
      [0, 0, 1, 1],
    ]);
    expect(arr(wsolBoxes(m, 0.5, { multiContour: false }))).toEqual([[3, 1, 3, 1]]);
  });

  it('unimodal and multimodal maps at several thresholds (sweep agrees)', () => {
    const rows = ['0000000000', '0135310000', '0369631000', '0135310070', '0000000080'];
    const data = Float32Array.from(rows.join(''), (c) => Number(c) / 9);
    const m: ScoreMap = { width: 10, height: 5, data };
    // q = floor(digit / 9 * 255): 9 -> 255, 8 -> 226, 7 -> 198, 6 -> 170, 5 -> 141, 3 -> 85, 1 -> 28.
    // Expected boxes printed by cv2 4.6 through wsolevaluation's code.
    const want: [number, number[][], number[][]][] = [
      [
        0,
        [
          [8, 3, 9, 4],
          [1, 1, 7, 4],
        ],
        [[1, 1, 7, 4]],
      ], // q > 0: the blob wins on polygon area
      [
        0.5,
        [
          [8, 3, 9, 4],
          [2, 1, 5, 4],
        ],
        [[2, 1, 5, 4]],
      ], // q > 127: digits >= 5
      [
        0.7,
        [
          [8, 3, 9, 4],
          [3, 2, 4, 3],
        ],
        [[8, 3, 9, 4]],
      ], // q > 178: the lone 9 and the 7-8 pair, both area 0
      [
        0.8,
        [
          [8, 4, 9, 4],
          [3, 2, 4, 3],
        ],
        [[8, 4, 9, 4]],
      ], // q > 204: ties go to the later component
      [0.9, [[3, 2, 4, 3]], [[3, 2, 4, 3]]],
    ];
    const ts = want.map((w) => w[0]);
    const multi = wsolBoxSweep(m, ts, { multiContour: true });
    const single = wsolBoxSweep(m, ts, { multiContour: false });
    want.forEach(([t, multiBoxes, singleBox], i) => {
      expect(arr(wsolBoxes(m, t, { multiContour: true })), `t=${t}`).toEqual(multiBoxes);
      expect(arr(wsolBoxes(m, t, { multiContour: false })), `t=${t}`).toEqual(singleBox);
      expect(arr(multi.levels[multi.levelOfThreshold[i]!]!)).toEqual(multiBoxes);
      expect(arr(single.levels[single.levelOfThreshold[i]!]!)).toEqual(singleBox);
    });
  });
});
