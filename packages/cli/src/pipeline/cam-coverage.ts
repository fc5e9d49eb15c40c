/**
 * `eval --cams`: a score is only the score of the dataset when every image has a usable map. A
 * folder that does not exist is a usage error; missing or unreadable maps fail the evaluation
 * (exit 1) with their count and the first ids, unless `--allow-missing` asks for the subset on
 * purpose, in which case the metrics say how many images were left out.
 */
import { stat } from 'node:fs/promises';
import { UsageError } from '@cam-localize/core';
import type { CamProblem, CamProblemKind } from '@cam-localize/eval';

/**
 * Problems that mean a map could not be scored: it is absent, unreadable, of a wrong shape, or
 * only a `<stem>.npy` that other images name too.
 */
export const UNUSABLE_MAP_KINDS: readonly CamProblemKind[] = ['missing', 'corrupt', 'size', 'ambiguous'];

/** How many ids a message lists before '...'. */
const SHOWN_IDS = 5;

/** Refuses a --cams path that is not an existing folder. */
export async function assertCamFolder(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) {
    throw new UsageError(`--cams: the folder ${path} does not exist`, {
      hint: 'give the folder the .npy score maps were written to (run --save-cams <dir>)',
    });
  }
  if (!info.isDirectory()) throw new UsageError(`--cams: ${path} is not a folder`);
}

export interface CamCoverage {
  /** Images whose map could not be scored. */
  readonly unusable: number;
  readonly byKind: Readonly<Partial<Record<CamProblemKind, number>>>;
  /** One line for stderr, or undefined when every map was usable. */
  readonly message: string | undefined;
  /** True when the run must fail: maps are missing and --allow-missing was not given. */
  readonly fails: boolean;
}

export function camCoverage(
  problems: readonly CamProblem[],
  total: number,
  options: { allowMissing: boolean },
): CamCoverage {
  const unusable = problems.filter((p) => UNUSABLE_MAP_KINDS.includes(p.kind));
  const byKind: Partial<Record<CamProblemKind, number>> = {};
  for (const p of unusable) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;
  if (unusable.length === 0) return { unusable: 0, byKind, message: undefined, fails: false };
  const kinds = Object.entries(byKind)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  const ids = unusable
    .slice(0, SHOWN_IDS)
    .map((p) => p.id)
    .join(', ');
  const more = unusable.length > SHOWN_IDS ? `, ... (${unusable.length - SHOWN_IDS} more)` : '';
  const what = `${unusable.length} of ${total} score maps are missing or unusable (${kinds}): ${ids}${more}`;
  return options.allowMissing
    ? {
        unusable: unusable.length,
        byKind,
        message: `eval: --allow-missing: ${what}; these ${unusable.length} images are left out of the metrics`,
        fails: false,
      }
    : {
        unusable: unusable.length,
        byKind,
        message: `eval: ${what}; no metrics over a subset (pass --allow-missing to score the rest on purpose)`,
        fails: true,
      };
}
