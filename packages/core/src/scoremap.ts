/**
 * A score map: one float per pixel, row-major, `data.length === width * height`.
 * Everything downstream of the model (localize, eval) works on this struct only.
 */
export interface ScoreMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export function scoreMap(width: number, height: number, data?: Float32Array): ScoreMap {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`score map size must be positive integers, got ${width}x${height}`);
  }
  const values = data ?? new Float32Array(width * height);
  if (values.length !== width * height) {
    throw new RangeError(
      `score map data has ${values.length} values, expected ${width}x${height}=${width * height}`,
    );
  }
  return { width, height, data: values };
}
