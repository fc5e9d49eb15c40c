/**
 * `eval`'s check of the stored image sizes (image_sizes.txt, VOC <size>) against the images'
 * headers: boxes are rescaled by the stored size, so one that is not the image's would change the
 * metrics without a word. A mismatch is a dataset problem naming the file and line; images that
 * cannot be read leave their size unchecked, which is refused too unless `--trust-sizes` asks for
 * wsolevaluation's behaviour (the stored sizes, no image needed).
 */
import { type CamLocalizeError, DataError, DatasetProblemsError } from '@cam-localize/core';
import { type DatasetItem, verifyStoredSizes } from '@cam-localize/eval';

const TRUST_HINT = 'pass --trust-sizes to use the stored sizes without the images, as wsolevaluation does';
/** Problems listed in full; the rest are counted. */
const SHOWN = 20;

/** Throws when a stored size differs from its image, or cannot be checked. */
export async function assertStoredSizes(root: string, items: readonly DatasetItem[]): Promise<void> {
  const check = await verifyStoredSizes(items);
  if (check.checked > 0 && check.unreadable.length === check.checked) {
    const first = check.unreadable[0]!;
    throw new DataError(
      'E_DATASET',
      `eval checks the stored image sizes against the images, and none of the ${check.checked} images is readable (${first.file}: ${first.reason})`,
      { file: root, hint: TRUST_HINT },
    );
  }
  const problems: CamLocalizeError[] = [
    ...check.mismatches,
    ...check.unreadable.map(
      (u) =>
        new DataError('E_DATASET', `cannot check the stored size of ${JSON.stringify(u.id)}: ${u.reason}`, {
          file: u.file,
          hint: TRUST_HINT,
        }),
    ),
  ];
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new DatasetProblemsError(root, problems.slice(0, SHOWN), problems.length);
}
