/**
 * Reads a run folder into what the page needs (view-data.ts), refusing a run the page cannot
 * redraw exactly: one without grid-maps.jsonl (or with images missing from it) is refused with the
 * command that adds the maps, without re-scoring finished images.
 */
import { basename, extname, join, resolve } from 'node:path';
import { describeError, UsageError } from '@cam-localize/core';
import { readRegularFile } from '@cam-localize/core/workers';
import { parseThreshold } from '@cam-localize/localize';
import { GRID_MAPS_FILE, readGridMaps } from '../pipeline/grid-maps.js';
import type { ViewImage, ViewRun } from './view-data.js';

interface RecordLine {
  id: string;
  file: string;
  status: string;
  width?: number;
  height?: number;
  gtClass?: number;
  gtName?: string;
  gtBoxes?: [number, number, number, number][];
  top?: { class: number; name?: string; score: number }[];
  predicted?: { class: number; name?: string; boxes: [number, number, number, number][]; iou?: number };
  groundTruth?: ViewImage['groundTruth'];
  loc?: { gtKnownLoc: boolean; top1Loc: boolean };
  boxAcc?: Record<string, [number, number][]>;
  targets?: { class: number; name?: string; score: number; boxes: [number, number, number, number][] }[];
}

export interface LoadedRun {
  readonly run: ViewRun;
  /** The photo file of each image, by index (the only photos the server hands out). */
  readonly photos: string[];
}

/** The command that adds the grid maps to a run made without them. */
export function fillCommand(path: string, config: Record<string, unknown>): string {
  const q = (v: unknown) => `'${String(v).replaceAll("'", "'\\''")}'`;
  if (config.command === 'predict')
    return `cam-localize predict <the same images and options> --out ${q(path)} --resume`;
  const parts = ['cam-localize run', q(config.dataset), '--model', q(config.model)];
  const preset = (config.preprocessFlags as { preset?: string } | undefined)?.preset;
  if (preset) parts.push('--preset', preset);
  for (const flag of ['method', 'target', 'threshold', 'boxes', 'limit'] as const)
    if (config[flag] !== null && config[flag] !== undefined) parts.push(`--${flag}`, q(config[flag]));
  parts.push('--out', q(path), '--resume --fill-grid-maps');
  return parts.join(' ');
}

/** The run's config.json as JSON; a folder without one is a usage error, as in `report`. */
async function readConfigJson(root: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readRegularFile(join(root, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${root} is not a run directory (${describeError(error)})`);
  }
}

/** Loads run folder `path` for the page as run `key`; `photoUrl` names each photo for the page. */
export async function loadRun(
  path: string,
  key: 'a' | 'b',
  photoUrl: (index: number, file: string) => string,
): Promise<LoadedRun> {
  const root = resolve(path);
  const config = await readConfigJson(root);
  if (config.protocol === 'wsolevaluation')
    throw new UsageError(
      `${root}: view cannot redraw this run's boxes: --protocol wsolevaluation boxes every contour of the GT class's map with OpenCV's sweep, which the page does not run`,
      { hint: 'view a run made with the tool defaults (the same command without --protocol wsolevaluation)' },
    );
  const lines = (await readRegularFile(join(root, 'results.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RecordLine)
    .filter((r) => r.status === 'ok');
  const maps = await readGridMaps(root);
  const missing = maps === undefined ? lines.length : lines.filter((r) => !maps.has(r.id)).length;
  if (missing > 0) {
    throw new UsageError(
      `${root}: ${missing} of ${lines.length} images have no feature-grid maps (${GRID_MAPS_FILE}), which the page needs`,
      { hint: `add them (finished images are not re-scored): ${fillCommand(root, config)}` },
    );
  }
  const threshold = parseThreshold(String(config.threshold ?? '0.2'));
  const protocolUpsample = 'bilinear' as const;
  const boxAccuracy = config.boxAccuracy as { iouLevels?: number[] } | undefined;
  const images: ViewImage[] = lines.map((r, index) => {
    const m = maps!.get(r.id)!;
    const predicted = r.predicted ?? { ...r.targets![0]!, boxes: r.targets![0]!.boxes };
    const top = r.top?.[0];
    return {
      id: r.id,
      photo: photoUrl(index, r.file),
      width: r.width ?? m.geometry.originalWidth,
      height: r.height ?? m.geometry.originalHeight,
      ...(r.gtClass === undefined ? {} : { gtClass: r.gtClass }),
      ...(r.gtName === undefined ? {} : { gtName: r.gtName }),
      gtBoxes: r.gtBoxes ?? [],
      ...(m.gt === undefined ? {} : { gtExact: m.gt }),
      predictedClass: predicted.class,
      ...(predicted.name === undefined ? {} : { predictedName: predicted.name }),
      score: top?.score ?? 0,
      predicted: {
        class: predicted.class,
        ...(predicted.name ? { name: predicted.name } : {}),
        boxes: predicted.boxes,
        ...(predicted.iou === undefined ? {} : { iou: predicted.iou }),
      },
      ...(r.groundTruth ? { groundTruth: r.groundTruth } : {}),
      ...(r.loc ? { loc: { gtKnownLoc: r.loc.gtKnownLoc, top1Loc: r.loc.top1Loc } } : {}),
      ...(r.boxAcc ? { boxAcc: r.boxAcc } : {}),
      geometry: m.geometry,
      maps: m.maps,
    };
  });
  return {
    run: {
      key,
      name: basename(root),
      command: String(config.command ?? 'run'),
      method: String(config.method ?? ''),
      model: basename(String(config.model ?? '')),
      settings: {
        threshold: threshold.kind === 'fraction' ? threshold.value : 0.2,
        thresholdText: String(config.threshold ?? '0.2'),
        recordsAtThreshold: threshold.kind === 'fraction',
        mode: String(config.boxes ?? 'largest'),
        connectivity: Number(config.connectivity ?? 8) === 4 ? 4 : 8,
        minArea: Number(config.minArea ?? 1),
        upsample: protocolUpsample,
        iou: 'continuous',
        iouLevels: boxAccuracy?.iouLevels ?? [30, 50, 70],
      },
      images,
    },
    photos: lines.map((r) => r.file),
  };
}

/** The extension a photo keeps in an export (lower case, or .img). */
export function photoExtension(file: string): string {
  const ext = extname(file).toLowerCase();
  return /^\.[a-z0-9]{1,5}$/.test(ext) ? ext : '.img';
}

/** The data script of a run: plain JSON assigned to a global, with `<` escaped so it cannot close a tag. */
export function dataScript(run: ViewRun): string {
  const json = JSON.stringify(run)
    .replaceAll('<', '\\u003c')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
  return `(globalThis.camViewData ??= {})[${JSON.stringify(run.key)}] = ${json};\n`;
}
