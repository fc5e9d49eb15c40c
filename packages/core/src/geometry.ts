import type { Box } from './box.js';

/**
 * How a model input was cut from an original image: the (oriented) original was resized to
 * `resizeWidth x resizeHeight`, then the window at (`cropX`, `cropY`) of size
 * `inputWidth x inputHeight` was taken. A crop offset may be negative where the input is larger
 * than the resized image (padding). All of it in pixel-edge coordinates, so mapping is exact.
 */
export interface ImageGeometry {
  readonly originalWidth: number;
  readonly originalHeight: number;
  readonly resizeWidth: number;
  readonly resizeHeight: number;
  readonly cropX: number;
  readonly cropY: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
}

/** The geometry of a plain resize to the input size (no crop), as wsolevaluation does. */
export function resizeGeometry(
  originalWidth: number,
  originalHeight: number,
  inputWidth: number,
  inputHeight: number,
): ImageGeometry {
  return {
    originalWidth,
    originalHeight,
    resizeWidth: inputWidth,
    resizeHeight: inputHeight,
    cropX: 0,
    cropY: 0,
    inputWidth,
    inputHeight,
  };
}

/** A point in model-input pixels to original-image pixels. */
export function inputToOriginal(geometry: ImageGeometry, x: number, y: number): [number, number] {
  return [
    ((x + geometry.cropX) * geometry.originalWidth) / geometry.resizeWidth,
    ((y + geometry.cropY) * geometry.originalHeight) / geometry.resizeHeight,
  ];
}

/** A point in original-image pixels to model-input pixels. */
export function originalToInput(geometry: ImageGeometry, x: number, y: number): [number, number] {
  return [
    (x * geometry.resizeWidth) / geometry.originalWidth - geometry.cropX,
    (y * geometry.resizeHeight) / geometry.originalHeight - geometry.cropY,
  ];
}

/** A box in model-input pixels to original-image pixels, clipped to the image. */
export function boxToOriginal(geometry: ImageGeometry, b: Box): Box {
  const [x0, y0] = inputToOriginal(geometry, b.x0, b.y0);
  const [x1, y1] = inputToOriginal(geometry, b.x1, b.y1);
  return clipBox({ x0, y0, x1, y1 }, geometry.originalWidth, geometry.originalHeight);
}

/** A box in original-image pixels to model-input pixels, clipped to the input. */
export function boxToInput(geometry: ImageGeometry, b: Box): Box {
  const [x0, y0] = originalToInput(geometry, b.x0, b.y0);
  const [x1, y1] = originalToInput(geometry, b.x1, b.y1);
  return clipBox({ x0, y0, x1, y1 }, geometry.inputWidth, geometry.inputHeight);
}

export function clipBox(b: Box, width: number, height: number): Box {
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return { x0: clamp(b.x0, width), y0: clamp(b.y0, height), x1: clamp(b.x1, width), y1: clamp(b.y1, height) };
}
