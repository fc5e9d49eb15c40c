/**
 * Reading one image's score map for scoreCamDirectory, shared by the calling thread and the
 * workers so both report the same problems: the first existing candidate .npy, its shape, a
 * bicubic resize to the evaluation frame when needed, wsolevaluation's min-max normalisation.
 */
import { existsSync } from 'node:fs';
import { describeError, type ScoreMap } from '@cam-localize/core';
import { normalizeMinMaxWsol64 } from '../evaluation-protocol.js';
import { type NpyArray, readNpyAsync, scoreMapShape } from '../npy.js';

export type CamResample = (map: ScoreMap, width: number, height: number, mode: 'bicubic') => ScoreMap;

export type LoadedCam =
  | { ok: true; file: string; normalized: Float64Array; width: number; height: number; resized: boolean }
  | { ok: false; problem: { file: string; kind: 'missing' | 'corrupt' | 'size'; message: string } };

async function loadFirst(
  candidates: string[],
): Promise<{ file: string; array: NpyArray } | { file: string; missing: true }> {
  for (const file of candidates) {
    if (existsSync(file)) return { file, array: await readNpyAsync(file) };
  }
  return { file: candidates[0]!, missing: true };
}

export async function loadCamForEval(
  candidates: string[],
  size: number,
  resample: CamResample,
): Promise<LoadedCam> {
  let loaded: Awaited<ReturnType<typeof loadFirst>>;
  try {
    loaded = await loadFirst(candidates);
  } catch (e) {
    return { ok: false, problem: { file: candidates[0]!, kind: 'corrupt', message: describeError(e) } };
  }
  if ('missing' in loaded) {
    return {
      ok: false,
      problem: { file: loaded.file, kind: 'missing', message: 'score map file not found' },
    };
  }
  const { file, array } = loaded;
  let values: ArrayLike<number> = array.data;
  let width: number;
  let height: number;
  try {
    ({ width, height } = scoreMapShape(array.shape, file));
  } catch (e) {
    return { ok: false, problem: { file, kind: 'corrupt', message: describeError(e) } };
  }
  let resized = false;
  if (width !== size || height !== size) {
    const src: ScoreMap = {
      width,
      height,
      data: array.data instanceof Float32Array ? array.data : Float32Array.from(array.data),
    };
    try {
      values = resample(src, size, size, 'bicubic').data;
    } catch (e) {
      return { ok: false, problem: { file, kind: 'size', message: describeError(e) } };
    }
    width = size;
    height = size;
    resized = true;
  }
  return { ok: true, file, normalized: normalizeMinMaxWsol64(values), width, height, resized };
}
