/**
 * `cam-localize view RUN --export DIR`: the page as a static folder (index.html, page.js,
 * data/<a|b>.js, photos/<a|b>/<n><ext>) that opens from file:// or any static host. Every file is
 * written inside DIR only: folders through makeFolderInside (no link planted in DIR is followed out
 * of it), files whole through writeFileAtomic (a planted link is replaced, never written through).
 */
import { join } from 'node:path';
import { makeFolderInside, readRegularFile, writeFileAtomic } from '@cam-localize/core/workers';

export interface ExportedRun {
  readonly key: 'a' | 'b';
  readonly dataScript: string;
  readonly photos: readonly { readonly file: string; readonly name: string }[];
}

/** Writes the static page into `dir`; returns the number of files written. */
export async function exportView(
  dir: string,
  html: string,
  pageScript: string,
  runs: readonly ExportedRun[],
): Promise<number> {
  const root = await makeFolderInside(dir, '.');
  await writeFileAtomic(join(root, 'index.html'), html);
  await writeFileAtomic(join(root, 'page.js'), pageScript);
  const data = await makeFolderInside(root, 'data');
  let files = 2;
  for (const run of runs) {
    await writeFileAtomic(join(data, `${run.key}.js`), run.dataScript);
    const photos = await makeFolderInside(root, join('photos', run.key));
    for (const photo of run.photos) {
      await writeFileAtomic(join(photos, photo.name), await readRegularFile(photo.file));
      files++;
    }
    files++;
  }
  return files;
}
