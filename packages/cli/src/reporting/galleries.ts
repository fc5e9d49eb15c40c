/**
 * The report's galleries: well-localized examples across ground-truth sizes, then one gallery per
 * failure mode, each saying the rule and the threshold its boxes were made at. Pictures are
 * re-rendered through the model (a few images, not the dataset) and embedded as data: URIs.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, encodeImage, type RgbImage, resizeRgb } from '@cam-localize/core';
import {
  BOX_SIZES,
  describeBoxSize,
  describeFailureMode,
  FAILURE_RULES,
  type FailureMode,
  type ReportGallery,
  type ReportGalleryItem,
} from '@cam-localize/eval';
import { describeCliError } from '../error-messages.js';
import type { RunRecord } from '../pipeline/records.js';
import { writeInside } from '../pipeline/safe-paths.js';
import { galleryCaption } from './gallery-captions.js';
import { type GalleryCandidate, type GalleryPicker, TRIVIAL_SHARE } from './gallery-picks.js';
import type { SizeCounts } from './run-analysis.js';

const GALLERIES: readonly { mode: FailureMode; file: string; title: string }[] = [
  { mode: 'localized', file: 'localized', title: 'Well localized, across object sizes' },
  { mode: 'too-small', file: 'too-small', title: 'Failure: box too small' },
  { mode: 'too-large', file: 'too-large', title: 'Failure: box too large' },
  { mode: 'wrong-object', file: 'wrong-object', title: 'Failure: wrong object' },
  { mode: 'misplaced', file: 'misplaced', title: 'Failure: misplaced (partial overlap)' },
];

export async function renderGalleries(
  dir: string,
  picks: GalleryPicker,
  modes: Record<FailureMode, number>,
  threshold: string,
  render: (record: RunRecord) => Promise<RgbImage>,
  bySize?: SizeCounts,
): Promise<ReportGallery[]> {
  await removeOldPictures(join(dir, 'gallery'));
  const galleries: ReportGallery[] = [];
  for (const { mode, file, title } of GALLERIES) {
    const chosen = picks.pick(mode);
    const rule =
      mode === 'localized'
        ? `The highest IoUs of each ground-truth size class in turn (small, medium, large; ties: the smaller object), ` +
          `leaving out objects that cover ≥ ${Math.round(TRIVIAL_SHARE * 100)}% of the image (any map finds them); ${modes[mode]} images in all`
        : `${capitalise(describeFailureMode(mode, FAILURE_RULES))}; ${modes[mode]} images; the lowest IoUs of each size class in turn`;
    galleries.push({
      title: `${title} (${chosen.length} of ${modes[mode]})`,
      note: `${rule}. Boxes at CAM threshold ${threshold}.${mode === 'localized' && bySize ? missingSizes(picks, bySize) : ''}`,
      items: await renderItems(dir, file, chosen, render),
    });
  }
  return galleries;
}

/** ` No small object is shown: none of the 4 was localized.`: a size the gallery has nothing of, and why. */
export function missingSizes(picks: GalleryPicker, bySize: SizeCounts): string {
  if (picks.count <= 0) return '';
  const notes = BOX_SIZES.filter((size) => !picks.offered('localized', size)).map((size) => {
    const { images, localized } = bySize[size];
    const name = describeBoxSize(size).split(' (')[0]!;
    const why =
      images === 0
        ? `the run has no ${name} object`
        : localized === 0
          ? `none of the ${images} was localized (IoU ≥ ${FAILURE_RULES.localized})`
          : `each localized one covers ≥ ${Math.round(TRIVIAL_SHARE * 100)}% of the image`;
    return ` No ${name} object is shown: ${why}.`;
  });
  return notes.join('');
}

async function renderItems(
  dir: string,
  name: string,
  candidates: readonly GalleryCandidate[],
  render: (record: RunRecord) => Promise<RgbImage>,
): Promise<ReportGalleryItem[]> {
  if (candidates.length === 0) return [];
  const items: ReportGalleryItem[] = [];
  for (const [i, { record, iou, size, share }] of candidates.entries()) {
    const caption = galleryCaption(record, iou, size, share);
    const file = `${name}-${String(i + 1).padStart(2, '0')}.jpg`;
    try {
      const jpeg = await encodeImage(thumbnail(await render(record), 320), 'jpeg', { quality: 80 });
      await writeInside(dir, `gallery/${file}`, jpeg);
      items.push({
        caption,
        src: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
        alt: record.id,
        file: `gallery/${file}`,
      });
    } catch (error) {
      if (error instanceof DataError) process.stderr.write(`report: ${describeCliError(error)}\n`);
      items.push({
        caption: `${caption} (could not render: ${error instanceof Error ? error.message : String(error)})`,
        src: '',
      });
    }
  }
  return items;
}

/** Pictures a previous report wrote (this layout's and the older best/worst), so none is left stale. */
async function removeOldPictures(folder: string): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const ours = /^(localized|too-small|too-large|wrong-object|misplaced|best|worst)-\d+\.jpg$/;
  await Promise.all(
    names.filter((name) => ours.test(name)).map((name) => rm(join(folder, name), { force: true })),
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function thumbnail(image: RgbImage, longest: number): RgbImage {
  const scale = longest / Math.max(image.width, image.height);
  if (scale >= 1) return image;
  return resizeRgb(
    image,
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
    'bilinear',
    true,
  );
}
