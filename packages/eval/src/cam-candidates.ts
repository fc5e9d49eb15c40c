/**
 * Which .npy file is each image's score map, for a whole dataset at once. An image's map is
 * `<id>.npy`, else `<id without extension>.npy` (scoreMapPathCandidates); that second spelling is
 * ambiguous when another image names the same file (`images/a.JPEG` and `images/a.png` both
 * reach `images/a.npy`): the shared file is then no image's fallback, and an image without its
 * own `<id>.npy` is reported as ambiguous instead of being scored from another image's map.
 */
import { scoreMapPathCandidates } from './npy.js';
import type { SharedStem } from './parallel/cam-file.js';

export interface CamFiles {
  /** The files to try, in order. */
  candidates: string[];
  /** The fallback this image gives up because other images name it too. */
  sharedStem?: SharedStem;
}

/** Per image id, its candidate map files, or why its id names no file under `camDir`. */
export function camFilesFor(camDir: string, ids: readonly string[]): Map<string, CamFiles | Error> {
  const out = new Map<string, CamFiles | Error>();
  const namers = new Map<string, string[]>();
  for (const id of ids) {
    try {
      const candidates = scoreMapPathCandidates(camDir, id);
      out.set(id, { candidates });
      for (const file of candidates) {
        const list = namers.get(file);
        if (list === undefined) namers.set(file, [id]);
        else list.push(id);
      }
    } catch (e) {
      out.set(id, e instanceof Error ? e : new Error(String(e)));
    }
  }
  for (const [id, files] of out) {
    if (files instanceof Error || files.candidates.length < 2) continue;
    const stem = files.candidates[1]!;
    const others = namers.get(stem)!.filter((other) => other !== id);
    if (others.length > 0)
      out.set(id, { candidates: [files.candidates[0]!], sharedStem: { file: stem, others } });
  }
  return out;
}
