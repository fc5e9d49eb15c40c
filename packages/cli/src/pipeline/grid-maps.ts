/**
 * The feature-grid score maps `cam-localize view` needs, kept beside results.jsonl in one packed
 * file per run (`grid-maps.jsonl`): per image its id, the geometry that maps the input frame back
 * to the photo, the ground-truth boxes at full precision (results.jsonl rounds them to 2
 * decimals, and the page's IoU must equal the run's) and each map it localized (float32,
 * little-endian, base64). A 7x7 grid is 196 bytes (264 in base64) per map, about 0.8 KB an image
 * with the top-1 and GT maps. The worker that made a record packs its maps onto it (`gridMaps`);
 * the main thread takes them off before the record goes to results.jsonl, and appends them here in
 * the same order. Like results.jsonl, a line torn by a kill is cut on resume.
 */
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Box, ImageGeometry, ScoreMap } from '@cam-localize/core';
import { readRegularFile } from '@cam-localize/core/workers';
import { writeFailure } from './io-errors.js';
import { cutTornLine } from './run-dir.js';

export const GRID_MAPS_FILE = 'grid-maps.jsonl';

const APPEND_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

/** One class's feature-grid map, packed. */
export interface PackedMap {
  readonly class: number;
  readonly width: number;
  readonly height: number;
  /** float32 little-endian, base64. */
  readonly data: string;
}

/** What a worker packs onto a record (`record.gridMaps`), and one line of grid-maps.jsonl with the id. */
export interface GridMaps {
  readonly geometry: ImageGeometry;
  /** Ground-truth boxes in the photo's pixels, clipped as the metrics saw them, unrounded. */
  readonly gt?: [number, number, number, number][];
  readonly maps: PackedMap[];
}

export interface GridMapsLine extends GridMaps {
  readonly id: string;
}

/** Packs the maps an image was localized with (float32 bytes as base64). */
export function packGridMaps(
  maps: Iterable<[number, ScoreMap]>,
  geometry: ImageGeometry,
  gt?: readonly Box[],
): GridMaps {
  const packed: PackedMap[] = [];
  for (const [classIndex, map] of maps) {
    const bytes = Buffer.from(map.data.buffer, map.data.byteOffset, map.data.byteLength);
    packed.push({ class: classIndex, width: map.width, height: map.height, data: bytes.toString('base64') });
  }
  return {
    geometry: { ...geometry },
    ...(gt === undefined
      ? {}
      : { gt: gt.map((b) => [b.x0, b.y0, b.x1, b.y1] as [number, number, number, number]) }),
    maps: packed,
  };
}

/** Unpacks a map written by packGridMaps. */
export function unpackMap(map: PackedMap): ScoreMap {
  const bytes = Buffer.from(map.data, 'base64');
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return { width: map.width, height: map.height, data };
}

/** The run folder's grid-maps.jsonl, opened for appending (after the run directory is opened). */
export class GridMapsWriter {
  private fd: number | undefined;

  private constructor(
    private readonly path: string,
    /** Ids whose maps the file already holds. */
    readonly stored: Set<string>,
  ) {}

  /** Opens the file of `runPath`; `fresh` (a new or overwritten run) starts it empty. */
  static async open(runPath: string, fresh: boolean): Promise<GridMapsWriter> {
    const path = join(runPath, GRID_MAPS_FILE);
    const stored = fresh ? new Set<string>() : await storedIds(path);
    const writer = new GridMapsWriter(path, stored);
    try {
      if (!fresh && existsSync(path)) cutTornLine(path);
      writer.fd = openSync(path, fresh ? APPEND_FLAGS | constants.O_TRUNC : APPEND_FLAGS, 0o666);
    } catch (error) {
      throw writeFailure(error, path);
    }
    return writer;
  }

  /** Takes the packed maps off a record (returned without them) and appends them as one line. */
  take<T extends object>(record: T): T {
    const { gridMaps, ...rest } = record as T & { gridMaps?: GridMaps };
    const id = (record as { id?: unknown }).id;
    if (gridMaps === undefined || this.fd === undefined || typeof id !== 'string') return rest as T;
    try {
      writeSync(this.fd, `${JSON.stringify({ id, ...gridMaps })}\n`);
    } catch (error) {
      throw writeFailure(error, this.path);
    }
    this.stored.add(id);
    return rest as T;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The lines of a run's grid-maps.jsonl (a torn or damaged line is skipped), or undefined without one. */
export async function readGridMaps(runPath: string): Promise<Map<string, GridMapsLine> | undefined> {
  const path = join(runPath, GRID_MAPS_FILE);
  if (!existsSync(path)) return undefined;
  const out = new Map<string, GridMapsLine>();
  const text = await readRegularFile(path, 'utf8');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const parsed = JSON.parse(line) as GridMapsLine;
      if (typeof parsed.id === 'string' && Array.isArray(parsed.maps)) out.set(parsed.id, parsed);
    } catch {
      // a line torn by a kill: its image has no maps, and `--fill-grid-maps` adds them
    }
  }
  return out;
}

async function storedIds(path: string): Promise<Set<string>> {
  const lines = await readGridMaps(join(path, '..'));
  return new Set(lines?.keys() ?? []);
}
