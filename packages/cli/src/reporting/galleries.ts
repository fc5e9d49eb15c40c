/**
 * The report's galleries: well-localized examples across ground-truth sizes, then one gallery per
 * failure mode, each saying the rule and the threshold its boxes were made at. Pictures are
 * re-rendered through the model (a few images, not the dataset) and embedded as data: URIs.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, describeError, encodeImage, type RgbImage, resizeRgb } from '@cam-localize/core';
import {
  describeBoxSize,
  describeFailureMode,
  FAILURE_RULES,
  type FailureMode,
  type ReportGallery,
  type ReportGalleryItem,
} from '@cam-localize/eval';
import type { RunRecord } from '../pipeline/records.js';
import { writeInside } from '../pipeline/safe-paths.js';
import { type GalleryCandidate, type GalleryPicker, TRIVIAL_SHARE } from './gallery-picks.js';
import { shownOf } from './run-analysis.js';

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
      note: `${rule}. Boxes at CAM threshold ${threshold}.`,
      items: await renderItems(dir, file, chosen, render),
    });
  }
  return galleries;
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
    const shown = shownOf(record);
    const sizeText =
      size === undefined
        ? 'size unknown'
        : `${describeBoxSize(size).split(' (')[0]} object, ${percentOfImage(share)} of the image`;
    const caption = `${record.id} · ${shown?.name ?? `class ${shown?.class}`} · IoU ${iou.toFixed(2)} · ${sizeText}`;
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
      if (error instanceof DataError) process.stderr.write(`report: ${describeError(error)}\n`);
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

function percentOfImage(share: number): string {
  const pct = share * 100;
  return `${pct < 1 ? pct.toFixed(1) : Math.round(pct)}%`;
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
