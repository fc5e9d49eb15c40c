/**
 * `eval`'s frame when --size is not given: the maps' own size where the first maps share one NxN
 * size (what `run --save-cams --cam-size input` writes: the model input, 192 for a 192 model), so
 * that `eval --cams` on a run's maps scores them in the run's frame; else wsolevaluation's 224.
 */
import { join } from 'node:path';
import { readScoreMapNpy } from '@cam-localize/eval';

export const DEFAULT_FRAME = 224;
const LOOKED_AT = 8;

export function mapsFrame(camDir: string, ids: readonly string[]): number {
  const sizes = new Set<string>();
  for (const id of ids.slice(0, LOOKED_AT)) {
    const stem = id.replace(/\.[^./]+$/, '');
    let found = false;
    for (const path of [join(camDir, `${id}.npy`), join(camDir, `${stem}.npy`)]) {
      try {
        const map = readScoreMapNpy(path);
        sizes.add(`${map.width}x${map.height}`);
        found = true;
        break;
      } catch {
        // not this spelling (or unreadable: scoring reports it)
      }
    }
    if (!found) return DEFAULT_FRAME;
  }
  if (sizes.size !== 1) return DEFAULT_FRAME;
  const [width, height] = [...sizes][0]!.split('x').map(Number) as [number, number];
  return width === height ? width : DEFAULT_FRAME;
}
