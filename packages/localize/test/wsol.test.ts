import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contourArea, findContoursTree } from '../src/wsol/opencv-contours.js';
import { quantizeScoreMap, wsolBoxes, wsolForeground } from '../src/wsol/wsol.js';
import { boxArray, caseMap, loadFixture } from './helpers/fixture.js';

const fixture = loadFixture(fileURLToPath(new URL('./fixtures/wsol-vectors.json', import.meta.url)));

describe('wsolBoxes against real cv2 (fixture from gen-wsol-vectors.py)', () => {
  it(`has the fixture (OpenCV ${fixture.opencv}, ${fixture.cases.length} maps)`, () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(200);
  });

  it('gives cv2 boxes box for box, in findContours order, both modes', () => {
    let checked = 0;
    for (const [n, c] of fixture.cases.entries()) {
      const map = caseMap(c);
      c.thresholds.forEach((t, i) => {
        const where = `case ${n} (${c.kind} ${c.width}x${c.height}) t=${t}`;
        expect(wsolBoxes(map, t, { multiContour: true }).map(boxArray), where).toEqual(c.multi[i]);
        expect(wsolBoxes(map, t, { multiContour: false }).map(boxArray), where).toEqual([c.single[i]]);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('gives cv2 contour areas and hole flags in cv2 order', () => {
    for (const [n, c] of fixture.cases.entries()) {
      const q = quantizeScoreMap(caseMap(c));
      c.thresholds.forEach((t, i) => {
        const contours = findContoursTree(wsolForeground(q, t), c.width, c.height);
        const where = `case ${n} (${c.kind} ${c.width}x${c.height}) t=${t}`;
        expect(
          contours.map((k) => contourArea(k.points)),
          where,
        ).toEqual(c.areas[i]);
        expect(
          contours.map((k) => (k.isHole ? 1 : 0)),
          where,
        ).toEqual(c.holes[i]);
      });
    }
  });
});

describe('wsolBoxSweep against real cv2 (same fixture)', () => {
  it('gives cv2 boxes box for box at every fixture threshold, both modes', async () => {
    const { wsolBoxSweep } = await import('../src/sweep/wsol-sweep.js');
    for (const [n, c] of fixture.cases.entries()) {
      const map = caseMap(c);
      const multi = wsolBoxSweep(map, c.thresholds, { multiContour: true });
      const single = wsolBoxSweep(map, c.thresholds, { multiContour: false });
      c.thresholds.forEach((t, i) => {
        const where = `case ${n} (${c.kind} ${c.width}x${c.height}) t=${t}`;
        expect(multi.levels[multi.levelOfThreshold[i]!]!.map(boxArray), where).toEqual(c.multi[i]);
        expect(single.levels[single.levelOfThreshold[i]!]!.map(boxArray), where).toEqual([c.single[i]]);
      });
    }
  });
});

// A much larger cv2 check, run by hand: generate with
//   /usr/bin/python3 test/fixtures/gen-wsol-vectors.py --count 6000 --big 400 --max-size 40 --seed 7 --out /tmp/wsol-big.json
// then WSOL_BIG_FIXTURE=/tmp/wsol-big.json pnpm vitest run --project localize test/wsol.test.ts
const bigPath = process.env.WSOL_BIG_FIXTURE;
describe.skipIf(bigPath === undefined)('large cv2 check (WSOL_BIG_FIXTURE)', () => {
  it('slow path and sweep match cv2 on every map and threshold', async () => {
    const { wsolBoxSweep } = await import('../src/sweep/wsol-sweep.js');
    const big = loadFixture(bigPath!);
    let maps = 0;
    let checks = 0;
    let mismatches = 0;
    const report: string[] = [];
    for (const [n, c] of big.cases.entries()) {
      const map = caseMap(c);
      const multi = wsolBoxSweep(map, c.thresholds, { multiContour: true });
      const single = wsolBoxSweep(map, c.thresholds, { multiContour: false });
      c.thresholds.forEach((t, i) => {
        const got = [
          wsolBoxes(map, t, { multiContour: true }).map(boxArray),
          [wsolBoxes(map, t, { multiContour: false }).map(boxArray)[0]],
          multi.levels[multi.levelOfThreshold[i]!]!.map(boxArray),
          single.levels[single.levelOfThreshold[i]!]!.map(boxArray),
        ];
        const want = [c.multi[i], [c.single[i]], c.multi[i], [c.single[i]]];
        for (let k = 0; k < 4; k++) {
          checks++;
          if (JSON.stringify(got[k]) !== JSON.stringify(want[k])) {
            mismatches++;
            if (report.length < 10)
              report.push(`case ${n} ${c.kind} ${c.width}x${c.height} t=${t} check ${k}`);
          }
        }
      });
      maps++;
    }
    console.log(`large cv2 check: ${maps} maps, ${checks} box lists compared, ${mismatches} mismatches`);
    expect(report).toEqual([]);
  }, 1_200_000);
});
