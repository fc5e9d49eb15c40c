/**
 * Stored image sizes against the images. wsolevaluation's image_sizes.txt and VOC's <size> are
 * trusted over the image by wsolevaluation: a box is rescaled by the stored size, so `2270,2270`
 * for a 227 px photo shrinks every box tenfold without a word. Where the image is at hand (`run`
 * decodes it; `eval` reads its header), a stored size that differs is a problem naming the file and
 * line it is written on; `eval --trust-sizes` keeps wsolevaluation's behaviour for metadata
 * without images.
 */
import { DataError, describeError, type ImageSize, readImageSize } from '@cam-localize/core';
import type { DatasetItem } from './datasets/types.js';

/** The problem with an item's stored size against the image's real one, or undefined. */
export function storedSizeMismatch(item: DatasetItem, actual: ImageSize): DataError | undefined {
  if (item.width === undefined || item.height === undefined) return undefined;
  if (item.width === actual.width && item.height === actual.height) return undefined;
  return new DataError(
    'E_ANNOTATION',
    `the stored size of ${JSON.stringify(item.id)}, ${item.width}x${item.height}, is not the image's ${actual.width}x${actual.height}`,
    {
      file: item.sizeFrom?.file ?? item.file,
      line: item.sizeFrom?.line,
      hint: 'boxes are rescaled by the stored size: correct it (`trustSizes` uses it anyway, as wsolevaluation does)',
    },
  );
}

export interface StoredSizeCheck {
  /** Items whose stored size is checked (those with a stored size and boxes). */
  checked: number;
  /** One problem per stored size that differs from its image's header, in dataset order. */
  mismatches: DataError[];
  /** Items whose image header could not be read, so their stored size cannot be checked. */
  unreadable: { id: string; file: string; reason: string }[];
}

/**
 * Compares every stored size (of an item with boxes: the only ones it rescales) with its image's
 * header (no pixel is decoded), `concurrency` files at a time.
 */
export async function verifyStoredSizes(
  items: readonly DatasetItem[],
  options: { imageSize?: (file: string) => Promise<ImageSize>; concurrency?: number } = {},
): Promise<StoredSizeCheck> {
  const imageSize = options.imageSize ?? readImageSize;
  const stored = items.filter((i) => i.width !== undefined && i.height !== undefined && i.boxes.length > 0);
  const outcomes = new Array<DataError | { reason: string } | undefined>(stored.length);
  let next = 0;
  const worker = async () => {
    while (next < stored.length) {
      const k = next++;
      const item = stored[k]!;
      outcomes[k] = await imageSize(item.file).then(
        (size) => storedSizeMismatch(item, size),
        (e: unknown) => ({ reason: describeError(e) }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, stored.length) }, worker));
  const check: StoredSizeCheck = { checked: stored.length, mismatches: [], unreadable: [] };
  outcomes.forEach((outcome, k) => {
    if (outcome instanceof DataError) check.mismatches.push(outcome);
    else if (outcome !== undefined)
      check.unreadable.push({ id: stored[k]!.id, file: stored[k]!.file, reason: outcome.reason });
  });
  return check;
}
