/**
 * Image paths read back from a run folder (`"file"` in results.jsonl), which anyone can edit:
 * `compare` and `report` open them (to draw a picture into a page), so they are held to the
 * dataset root recorded in config.json by the rule the readers applied when the run read the
 * dataset (eval's PathConfinement: after links, inside the root), and refused with a typed error
 * naming the record otherwise.
 */
import { join, resolve } from 'node:path';
import { DataError } from '@cam-localize/core';
import { PathConfinement } from '@cam-localize/eval';
import { RunDirectory } from '../pipeline/run-dir.js';

/** Checks the recorded image paths of the run in `dir`, made from the dataset at `datasetRoot`. */
export function recordedPathCheck(dir: string, datasetRoot: string): (id: string, file: string) => string {
  const confinement = new PathConfinement([resolve(datasetRoot)], false);
  const results = join(dir, RunDirectory.RESULTS);
  return (id, file) => {
    const path = resolve(file);
    const problem = confinement.check(path, undefined, results);
    if (problem === undefined) return path;
    throw new DataError('E_DATASET', `record ${JSON.stringify(id)}: ${problem.message}; not opened`, {
      file: results,
      hint: 'the run folder was edited, or the run read its dataset with --allow-outside-root',
      cause: problem,
    });
  };
}
