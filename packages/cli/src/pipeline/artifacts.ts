import { join } from 'node:path';
import {
  type Box,
  type BoxStyle,
  type CamCompat,
  COLORMAP_NAMES,
  type ColormapName,
  type ImageGeometry,
  type Normalization,
  overlay,
  type ResampleMethod,
  type RgbImage,
  resampleScoreMap,
  type ScoreKind,
  type ScoreMap,
  scoreMapToOriginal,
  UsageError,
  writeImage,
} from '@cam-localize/core';
import { compatAfterResize } from '@cam-localize/core/workers';
import { writeScoreMapNpyAsync } from '@cam-localize/eval';
import { type Command, Option } from 'commander';
import { assertWritableFolder } from './io-errors.js';
import { pathInside, writablePathInside } from './safe-paths.js';

export type CamSize = 'feature' | 'input' | 'original';
export const CAM_SIZES: readonly CamSize[] = ['feature', 'input', 'original'];

/**
 * A score map at the size `--cam-size` asks for; a resized one as `compat`'s library leaves it
 * (pytorch-grad-cam min-maxes it again: `compatAfterResize`).
 */
export function mapAtSize(
  map: ScoreMap,
  size: CamSize,
  geometry: ImageGeometry,
  method: ResampleMethod,
  compat?: { readonly compat?: CamCompat; readonly normalization?: Normalization },
): ScoreMap {
  switch (size) {
    case 'feature':
      return map;
    case 'input':
      return compatAfterResize(
        resampleScoreMap(map, geometry.inputWidth, geometry.inputHeight, method),
        compat?.compat,
        compat?.normalization,
      );
    case 'original':
      return compatAfterResize(
        scoreMapToOriginal(map, geometry, method),
        compat?.compat,
        compat?.normalization,
      );
    default:
      throw new UsageError(`--cam-size must be one of ${CAM_SIZES.join(', ')}`);
  }
}

/**
 * Writes `<camDir>/<id>.npy` (wsolevaluation's layout), creating folders; neither an id nor a
 * link planted in camDir may carry the write out of it (safe-paths.ts).
 */
export async function saveCam(camDir: string, id: string, map: ScoreMap): Promise<string> {
  await writeScoreMapNpyAsync(await writablePathInside(camDir, id, '.npy'), map);
  return pathInside(camDir, id, '.npy');
}

export const PREDICTED_COLOUR: readonly [number, number, number] = [0, 255, 0];
export const TRUTH_COLOUR: readonly [number, number, number] = [255, 0, 0];
/** The dark halo around every box line, so it shows on white as on black. */
export const OUTLINE_COLOUR: readonly [number, number, number] = [0, 0, 0];

/** How overlays colour the map: `--colormap` and `--alpha` (plain data: it crosses to workers). */
export interface OverlayStyle {
  readonly colormap: ColormapName;
  /** Weight of the heat map; 0 leaves the photo as it is (boxes only). */
  readonly alpha: number;
}

export const DEFAULT_OVERLAY_STYLE: OverlayStyle = { colormap: 'jet', alpha: 0.5 };

/**
 * The overlay picture: the CAM through the colormap over the original image, predicted boxes
 * green, ground truth red, each line with a dark halo; `label` (class and score) tags the first
 * predicted box, or the picture's corner when there is none.
 */
export function renderOverlay(
  image: RgbImage,
  map: ScoreMap,
  geometry: ImageGeometry,
  predicted: readonly Box[],
  truth: readonly Box[] = [],
  options: { style?: OverlayStyle; label?: string } = {},
): RgbImage {
  const style = options.style ?? DEFAULT_OVERLAY_STYLE;
  const line = { outline: OUTLINE_COLOUR };
  const boxes: BoxStyle[] = [
    ...truth.map((box) => ({ box, color: TRUTH_COLOUR, ...line })),
    ...predicted.map((box, i) => ({
      box,
      color: PREDICTED_COLOUR,
      ...line,
      ...(i === 0 && options.label !== undefined ? { label: options.label } : {}),
    })),
  ];
  return overlay(image, scoreMapToOriginal(map, geometry, 'bilinear'), {
    alpha: style.alpha,
    colormap: style.colormap,
    boxes,
    ...(predicted.length === 0 && options.label !== undefined ? { caption: { text: options.label } } : {}),
  });
}

/**
 * The tag of an overlay: class name (or index) and its score, saying what the score is:
 * `tabby p=0.87`, `tabby logit 12.31`, `tabby log p=-0.14`.
 */
export function overlayLabel(
  classIndex: number,
  name: string | undefined,
  score: number | undefined,
  kind: ScoreKind,
): string {
  const what = name ?? `class ${classIndex}`;
  if (score === undefined || !Number.isFinite(score)) return what;
  const value = score.toFixed(2);
  return `${what} ${kind === 'probability' ? `p=${value}` : kind === 'log-probability' ? `log p=${value}` : `logit ${value}`}`;
}

/** `--colormap` (the colormaps the library has) and `--alpha` for the overlays of run and predict. */
export function addOverlayStyleOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--colormap <name>', 'colormap of --overlays')
        .choices([...COLORMAP_NAMES])
        .default(DEFAULT_OVERLAY_STYLE.colormap),
    )
    .addOption(
      new Option('--alpha <a>', 'weight of the heat map in --overlays, 0 (photo only) to 1 (map only)')
        .argParser(parseAlpha)
        .default(DEFAULT_OVERLAY_STYLE.alpha),
    );
}

function parseAlpha(value: string): number {
  const alpha = Number(value);
  if (value.trim() === '' || !(alpha >= 0 && alpha <= 1))
    throw new UsageError(`--alpha expects a number from 0 to 1, got '${value}'`);
  return alpha;
}

/** Writes `<folder>/<id>.jpg`, creating folders; as `saveCam`, nothing leaves the folder. */
export async function saveOverlay(folder: string, id: string, picture: RgbImage): Promise<string> {
  await writeImage(await writablePathInside(folder, id, '.jpg'), picture);
  return pathInside(folder, id, '.jpg');
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
