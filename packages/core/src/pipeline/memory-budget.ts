/**
 * Memory bounds set by the model rather than by an image: the area of one model input, and a
 * batch's inputs together. A model that declares an 8000x8000 input takes 8.6 GB for one photo
 * (its activations grow with the area), so both are refused before a session runs or an image is
 * read, each with the flag that raises it.
 */
import { ModelError, UsageError } from '../errors.js';

/** Default largest model input: 2048x2048 pixels (classifiers take 224 to 600 a side). */
export const DEFAULT_MAX_INPUT_PIXELS = 2048 * 2048;

/**
 * Default largest batch x input area: 32 inputs of 1024x1024, i.e. 384 MiB of float32 input
 * tensors per batch (12 bytes a pixel), a batch of 640 at 224x224.
 */
export const DEFAULT_MAX_BATCH_PIXELS = 32 * 1024 * 1024;

function checkLimit(value: number | undefined, name: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
    throw new UsageError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Throws a ModelError naming the model file when its input (`width x height`, declared or set by
 * the preprocessing) is larger than `maxInputPixels`.
 */
export function checkInputArea(
  file: string,
  width: number,
  height: number,
  maxInputPixels: number = DEFAULT_MAX_INPUT_PIXELS,
): void {
  checkLimit(maxInputPixels, '`maxInputPixels`');
  if (width * height > maxInputPixels) {
    throw new ModelError(
      'E_MODEL_FORMAT',
      `the model input is ${width}x${height} = ${width * height} pixels per image, more than the limit of ${maxInputPixels}`,
      {
        file,
        hint: 'raise `maxInputPixels` if the model and the machine are made for it',
      },
    );
  }
}

/**
 * The rule for a batch: `batch x width x height <= maxBatchPixels`. Throws a UsageError naming the
 * model file and the largest batch that fits when the batch's inputs are more.
 */
export function checkBatchPixels(
  file: string,
  width: number,
  height: number,
  batch: number,
  maxBatchPixels: number = DEFAULT_MAX_BATCH_PIXELS,
): void {
  checkLimit(maxBatchPixels, '`maxBatchPixels`');
  const area = width * height;
  if (batch * area > maxBatchPixels) {
    const fits = Math.max(1, Math.floor(maxBatchPixels / area));
    throw new UsageError(
      `a batch of ${batch} inputs of ${width}x${height} is ${batch * area} pixels, more than the limit of ${maxBatchPixels} (batch x input pixels)`,
      {
        file,
        hint: `use \`batchSize: ${fits}\` or less, or raise \`maxBatchPixels\` if the machine has the memory`,
      },
    );
  }
}
