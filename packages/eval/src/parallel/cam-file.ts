/**
 * Reading one image's score map for scoreCamDirectory, shared by the calling thread and the
 * workers so both report the same problems: the first existing candidate .npy, its shape (an
 * empty map is refused), a bicubic resize to the evaluation frame when needed, wsolevaluation's
 * min-max normalisation (a map with a NaN or infinite value becomes all zeros, as wsolevaluation
 * does; `nonFinite` says so, so that such maps are counted and reported).
 */
import { existsSync } from 'node:fs';
import { describeError, type ScoreMap } from '@cam-localize/core';
import { type NpyArray, readNpyAsync, scoreMapShape } from '../npy.js';
import { type FramedMap, wsolMapInFrame } from '../protocol-frame.js';

export type CamResample = (map: ScoreMap, width: number, height: number, mode: 'bicubic') => ScoreMap;

export type CamFileProblemKind = 'missing' | 'corrupt' | 'size' | 'ambiguous';

export type LoadedCam =
  | {
      ok: true;
      file: string;
      normalized: Float64Array;
      width: number;
      height: number;
      resized: boolean;
      /** The map held a NaN or an infinite value, and was zeroed (wsolevaluation's rule). */
      nonFinite: boolean;
    }
  | { ok: false; problem: { file: string; kind: CamFileProblemKind; message: string } };

/**
 * A map file several images would share: `images/a.npy` for both `images/a.JPEG` and
 * `images/a.png`, when neither has its own `<id>.npy`.
 */
export interface SharedStem {
  file: string;
  /** The other image ids whose map it would be. */
  others: string[];
}

async function loadFirst(
  candidates: string[],
): Promise<{ file: string; array: NpyArray } | { file: string; missing: true }> {
  for (const file of candidates) {
    // One open per existing file: a missing candidate is the open's ENOENT, not a separate check.
    try {
      return { file, array: await readNpyAsync(file) };
    } catch (error) {
      if ((error as { cause?: { code?: unknown } }).cause?.code !== 'ENOENT') throw error;
    }
  }
  return { file: candidates[0]!, missing: true };
}

function hasNonFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return true;
  return false;
}

export async function loadCamForEval(
  candidates: string[],
  size: number,
  resample: CamResample,
  sharedStem?: SharedStem,
): Promise<LoadedCam> {
  let loaded: Awaited<ReturnType<typeof loadFirst>>;
  try {
    loaded = await loadFirst(candidates);
  } catch (e) {
    return { ok: false, problem: { file: candidates[0]!, kind: 'corrupt', message: describeError(e) } };
  }
  if ('missing' in loaded) {
    if (sharedStem !== undefined && existsSync(sharedStem.file)) {
      const others = sharedStem.others.map((id) => JSON.stringify(id)).join(', ');
      return {
        ok: false,
        problem: {
          file: sharedStem.file,
          kind: 'ambiguous',
          message: `score map file not found; ${sharedStem.file} would also be the map of ${others}, so it is not used for either (name each map <image id>.npy)`,
        },
      };
    }
    return {
      ok: false,
      problem: { file: loaded.file, kind: 'missing', message: 'score map file not found' },
    };
  }
  const { file, array } = loaded;
  let width: number;
  let height: number;
  try {
    ({ width, height } = scoreMapShape(array.shape, file));
  } catch (e) {
    return { ok: false, problem: { file, kind: 'corrupt', message: describeError(e) } };
  }
  if (width === 0 || height === 0) {
    return {
      ok: false,
      problem: { file, kind: 'corrupt', message: `score map is empty: shape (${array.shape.join(', ')})` },
    };
  }
  const nonFinite = hasNonFinite(array.data);
  let framed: FramedMap;
  try {
    framed = wsolMapInFrame({ width, height, data: array.data }, { width: size, height: size }, resample);
  } catch (e) {
    return { ok: false, problem: { file, kind: 'size', message: describeError(e) } };
  }
  return {
    ok: true,
    file,
    normalized: framed.values,
    width: framed.width,
    height: framed.height,
    resized: framed.resized,
    nonFinite,
  };
}
