import { join } from 'node:path';
import {
  type Box,
  type BoxStyle,
  type ImageGeometry,
  overlay,
  type ResampleMethod,
  type RgbImage,
  resampleScoreMap,
  type ScoreMap,
  scoreMapToOriginal,
  UsageError,
  writeImage,
} from '@cam-localize/core';
import { writeScoreMapNpyAsync } from '@cam-localize/eval';
import { assertWritableFolder, namedWrite } from './io-errors.js';
import { writablePathInside } from './safe-paths.js';

export type CamSize = 'feature' | 'input' | 'original';
export const CAM_SIZES: readonly CamSize[] = ['feature', 'input', 'original'];

/** A score map at the size `--cam-size` asks for. */
export function mapAtSize(
  map: ScoreMap,
  size: CamSize,
  geometry: ImageGeometry,
  method: ResampleMethod,
): ScoreMap {
  switch (size) {
    case 'feature':
      return map;
    case 'input':
      return resampleScoreMap(map, geometry.inputWidth, geometry.inputHeight, method);
    case 'original':
      return scoreMapToOriginal(map, geometry, method);
    default:
      throw new UsageError('E_USAGE', `--cam-size must be one of ${CAM_SIZES.join(', ')}`);
  }
}

/** Writes `<camDir>/<id>.npy` (wsolevaluation's layout), creating folders; an id may not leave camDir. */
export async function saveCam(camDir: string, id: string, map: ScoreMap): Promise<string> {
  const path = await writablePathInside(camDir, id, '.npy');
  await namedWrite(path, () => writeScoreMapNpyAsync(path, map));
  return path;
}

export const PREDICTED_COLOUR: readonly [number, number, number] = [0, 255, 0];
export const TRUTH_COLOUR: readonly [number, number, number] = [255, 0, 0];

/** The overlay picture: CAM in jet over the original image, predicted boxes green, ground truth red. */
export function renderOverlay(
  image: RgbImage,
  map: ScoreMap,
  geometry: ImageGeometry,
  predicted: readonly Box[],
  truth: readonly Box[] = [],
): RgbImage {
  const lineWidth = Math.max(2, Math.round(Math.max(image.width, image.height) / 200));
  const boxes: BoxStyle[] = [
    ...truth.map((box) => ({ box, color: TRUTH_COLOUR, width: lineWidth })),
    ...predicted.map((box) => ({ box, color: PREDICTED_COLOUR, width: lineWidth })),
  ];
  return overlay(image, scoreMapToOriginal(map, geometry, 'bilinear'), {
    alpha: 0.5,
    colormap: 'jet',
    boxes,
  });
}

/** Writes `<folder>/<id>.jpg`, creating folders; an id may not leave the folder. */
export async function saveOverlay(folder: string, id: string, picture: RgbImage): Promise<string> {
  const path = await writablePathInside(folder, id, '.jpg');
  await namedWrite(path, () => writeImage(path, picture));
  return path;
}

/** Where `--overlays [dir]` puts overlays: the given folder, or `<run dir>/overlays`; none when absent. */
export function overlayFolder(option: string | boolean | undefined, runDir: string): string | undefined {
  if (option === undefined || option === false) return undefined;
  return typeof option === 'string' ? option : join(runDir, 'overlays');
}

/** Checks once, before the first image, that the --save-cams and --overlays folders can be written. */
export async function assertArtifactFolders(
  saveCams: string | undefined,
  overlays: string | undefined,
): Promise<void> {
  if (saveCams !== undefined) await assertWritableFolder(saveCams, '--save-cams');
  if (overlays !== undefined) await assertWritableFolder(overlays, '--overlays');
}
