/**
 * Rendering score maps: {@link colorize} (map -> colormapped RGB), {@link overlay} (blend over the
 * photo, then draw boxes), {@link drawBoxes}. All in typed arrays; nothing is encoded here
 * (image/encode.ts writes files).
 *
 * Map values index the colormap as `floor(255 * clamp(v, 0, 1))`, the way the seed's
 * `cv2.applyColorMap(np.uint8(255 * cam), ...)` did for a min-max normalised CAM; pass
 * `normalize: true` to min-max the map first. NaN counts as 0.
 */
import type { Box } from '../box.js';
import type { RgbImage } from '../image/types.js';
import { type ResampleMethod, resampleScoreMap } from '../resample.js';
import type { ScoreMap } from '../scoremap.js';
import { drawTextInPlace, measureText } from './bitmap-font.js';
import { type ColormapName, colormapLut } from './colormaps.js';

export interface ColorizeOptions {
  /** Min-max normalise the map to [0, 1] first (a constant map becomes 0). Default false. */
  normalize?: boolean;
}

function indices(map: ScoreMap, normalize: boolean): Uint8Array {
  const n = map.width * map.height;
  const src = map.data;
  let lo = 0;
  let span = 1;
  if (normalize) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    lo = Number.isFinite(min) ? min : 0;
    span = max > min ? max - min : Number.POSITIVE_INFINITY;
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = (src[i]! - lo) / span;
    out[i] = v >= 1 ? 255 : v > 0 ? Math.floor(v * 255) : 0;
  }
  return out;
}

/** A score map as an RGB image through a colormap. */
export function colorize(
  map: ScoreMap,
  colormap: ColormapName = 'jet',
  options: ColorizeOptions = {},
): RgbImage {
  const lut = colormapLut(colormap);
  const idx = indices(map, options.normalize ?? false);
  const data = new Uint8Array(idx.length * 3);
  for (let i = 0; i < idx.length; i++) {
    const k = idx[i]! * 3;
    data[3 * i] = lut[k]!;
    data[3 * i + 1] = lut[k + 1]!;
    data[3 * i + 2] = lut[k + 2]!;
  }
  return { width: map.width, height: map.height, data };
}

export interface BoxStyle {
  /** In the image's pixel-edge coordinates. */
  box: Box;
  color: readonly [number, number, number];
  /** Line width in pixels, drawn inside the box. Default: `defaultLineWidth` of the image (2 up to 500 px). */
  width?: number;
  /**
   * A one-pixel halo on both sides of the line (e.g. black), so a bright line stays visible on a
   * bright picture and a dark one on a dark picture. Default none.
   */
  outline?: readonly [number, number, number];
  /** Text drawn on a dark tag at the box's top-left corner (above the box where there is room). */
  label?: string;
}

const LABEL_BACKGROUND: readonly [number, number, number] = [0, 0, 0];
const LABEL_TEXT: readonly [number, number, number] = [255, 255, 255];

/** A box line width that reads on any picture: 1/200 of its longer side, at least 2 pixels. */
function defaultLineWidth(image: { readonly width: number; readonly height: number }): number {
  return Math.max(2, Math.round(Math.max(image.width, image.height) / 200));
}

/** Font magnification for labels beside lines `lineWidth` pixels wide: 1 for 2-pixel lines, 2 for 3-4. */
export function labelScale(lineWidth: number): number {
  return Math.max(1, Math.round(lineWidth / 2));
}

/**
 * Draws box outlines onto a copy of the image. Edges are rounded to whole pixels; each side is
 * `width` pixels thick, inside the box (a box x0..x1 colours columns x0..x0+width-1 and
 * x1-width..x1-1), with the optional halo one pixel outside and inside that band; labels come
 * last, so no line covers them; everything is clipped to the image.
 */
export function drawBoxes(image: RgbImage, boxes: readonly BoxStyle[]): RgbImage {
  const data = image.data.slice();
  const W = image.width;
  const H = image.height;
  const fill = (xa: number, ya: number, xb: number, yb: number, color: readonly [number, number, number]) => {
    const x0 = Math.max(0, xa);
    const y0 = Math.max(0, ya);
    const x1 = Math.min(W, xb);
    const y1 = Math.min(H, yb);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const o = (y * W + x) * 3;
        data[o] = color[0];
        data[o + 1] = color[1];
        data[o + 2] = color[2];
      }
    }
  };
  const band = (x0: number, y0: number, x1: number, y1: number, lw: number, color: Rgb) => {
    fill(x0, y0, x1, Math.min(y1, y0 + lw), color); // top
    fill(x0, Math.max(y0, y1 - lw), x1, y1, color); // bottom
    fill(x0, y0, Math.min(x1, x0 + lw), y1, color); // left
    fill(Math.max(x0, x1 - lw), y0, x1, y1, color); // right
  };
  const out: RgbImage =
    image.file === undefined
      ? { width: W, height: H, data }
      : { width: W, height: H, data, file: image.file };
  const standardWidth = defaultLineWidth(image);
  for (const { box, color, width = standardWidth, outline } of boxes) {
    const lw = Math.max(1, Math.round(width));
    const x0 = Math.round(box.x0);
    const y0 = Math.round(box.y0);
    const x1 = Math.round(box.x1);
    const y1 = Math.round(box.y1);
    if (!(x1 > x0 && y1 > y0)) continue;
    if (outline !== undefined) band(x0 - 1, y0 - 1, x1 + 1, y1 + 1, lw + 2, outline);
    band(x0, y0, x1, y1, lw, color);
  }
  for (const { box, label, width = 2 } of boxes) {
    if (label === undefined || label === '' || !(box.x1 > box.x0 && box.y1 > box.y0)) continue;
    const scale = labelScale(Math.round(width));
    const size = measureText(label, scale);
    const x = Math.max(0, Math.min(W - size.width, Math.round(box.x0)));
    const above = Math.round(box.y0) - size.height;
    drawTextInPlace(out, label, x, above >= 0 ? above : Math.max(0, Math.round(box.y0)), {
      scale,
      color: LABEL_TEXT,
      background: LABEL_BACKGROUND,
    });
  }
  return out;
}

type Rgb = readonly [number, number, number];

export interface OverlayOptions extends ColorizeOptions {
  colormap?: ColormapName;
  /** Weight of the heat map: out = round((1 - alpha) * image + alpha * heat). Default 0.5. */
  alpha?: number;
  /** How a map of another size is resampled to the image (default bilinear). */
  resample?: ResampleMethod;
  boxes?: readonly BoxStyle[];
  /**
   * Text on a dark tag in the top-left corner of the picture (e.g. the class when no box was
   * found); `scale` defaults to what labels beside lines of `defaultLineWidth` get.
   */
  caption?: { text: string; scale?: number };
}

/** Blends a colormapped score map (of any size: resampled to the image) over an image, then draws boxes. */
export function overlay(image: RgbImage, map: ScoreMap, options: OverlayOptions = {}): RgbImage {
  const alpha = options.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  const fitted =
    map.width === image.width && map.height === image.height
      ? map
      : resampleScoreMap(map, image.width, image.height, options.resample ?? 'bilinear');
  const heat = colorize(
    fitted,
    options.colormap ?? 'jet',
    options.normalize === undefined ? {} : { normalize: options.normalize },
  );
  const n = image.data.length;
  const data = new Uint8Array(n);
  const src = image.data;
  const h = heat.data;
  const beta = 1 - alpha;
  for (let i = 0; i < n; i++) data[i] = Math.round(beta * src[i]! + alpha * h[i]!);
  const blended: RgbImage =
    image.file === undefined
      ? { width: image.width, height: image.height, data }
      : { width: image.width, height: image.height, data, file: image.file };
  const boxed = options.boxes && options.boxes.length > 0 ? drawBoxes(blended, options.boxes) : blended;
  if (options.caption !== undefined && options.caption.text !== '') {
    drawTextInPlace(boxed, options.caption.text, 0, 0, {
      scale: options.caption.scale ?? labelScale(defaultLineWidth(image)),
      color: LABEL_TEXT,
      background: LABEL_BACKGROUND,
    });
  }
  return boxed;
}
