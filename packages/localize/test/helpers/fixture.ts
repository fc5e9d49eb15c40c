/** Loads the cv2 reference vectors written by test/fixtures/gen-wsol-vectors.py. */
import { readFileSync } from 'node:fs';
import type { Box, ScoreMap } from '@cam-localize/core';

/** One map: per threshold, cv2's boxes (multi-contour list, single box) and contour areas / hole flags. */
export interface WsolCase {
  kind: string;
  width: number;
  height: number;
  data: string;
  thresholds: number[];
  multi: number[][][];
  single: number[][];
  areas: number[][];
  holes: number[][];
}

interface PackedCase {
  kind: string;
  width: number;
  height: number;
  data: string;
  thresholds: number[];
  multi: string;
  single: string;
  areas: string;
  holes: string;
}

/** Levels '|', boxes ';', numbers ',' (see gen-wsol-vectors.py). */
function unpack(text: string, count: number): number[][][] {
  const levels = text
    .split('|')
    .map((level) =>
      level === '' ? [] : level.split(';').map((box) => (box === '' ? [] : box.split(',').map(Number))),
    );
  if (levels.length !== count) throw new Error(`fixture: ${levels.length} levels for ${count} thresholds`);
  return levels;
}

export interface WsolFixture {
  opencv: string;
  cases: WsolCase[];
}

export function loadFixture(path: string): WsolFixture {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { opencv: string; cases: PackedCase[] };
  return {
    opencv: raw.opencv,
    cases: raw.cases.map((c) => {
      const n = c.thresholds.length;
      return {
        ...c,
        multi: unpack(c.multi, n),
        single: unpack(c.single, n).map((level) => level[0]!),
        areas: unpack(c.areas, n).map((level) => level[0] ?? []),
        holes: unpack(c.holes, n).map((level) => level[0] ?? []),
      };
    }),
  };
}

export function caseMap(c: WsolCase): ScoreMap {
  const bytes = Buffer.from(c.data, 'base64');
  const data = new Float32Array(c.width * c.height);
  new Uint8Array(data.buffer).set(bytes);
  return { width: c.width, height: c.height, data };
}

export function boxArray(b: Box): number[] {
  return [b.x0, b.y0, b.x1, b.y1];
}
