/**
 * What `eval --cams` makes of its scores: the problems with the maps (and whether the metrics may
 * be computed over what is left), the metrics on stderr, in --out (a shard's part) and --json, and
 * the warnings about the ground truth.
 */
import {
  describeDegenerateBoxes,
  METRICS,
  MetricSet,
  type MetricTable,
  type ScoreCamResult,
  summaryLines,
} from '@cam-localize/eval';
import { camCoverage } from './cam-coverage.js';
import type { EvalFlags, EvalImages } from './eval-images.js';
import { type EvalSettings, evalMetricSettings, evalMetrics, evalPart } from './eval-parts.js';
import { missingSummary } from './ground-truth-check.js';
import { writeJsonAtomic } from './run-dir.js';

/** Problems shown on stderr one by one; the rest are counted. */
const SHOWN_PROBLEMS = 20;

/**
 * Says each problem with a map (why it is unusable), then what that means for the metrics;
 * returns how many maps were left out, or undefined (and exit 1) where no metric may be computed.
 */
export function checkCoverage(
  result: ScoreCamResult,
  flags: Pick<EvalFlags, 'allowMissing'>,
): number | undefined {
  const coverage = camCoverage(result.problems, result.total, { allowMissing: flags.allowMissing === true });
  for (const problem of result.problems.slice(0, SHOWN_PROBLEMS)) {
    process.stderr.write(`cam-localize: ${problem.file}: ${problem.message}\n`);
  }
  if (result.problems.length > SHOWN_PROBLEMS)
    process.stderr.write(`cam-localize: ... and ${result.problems.length - SHOWN_PROBLEMS} more problems\n`);
  if (coverage.message) process.stderr.write(`${coverage.message}\n`);
  if (!coverage.fails) return coverage.unusable;
  process.exitCode = 1;
  return undefined;
}

/**
 * The metrics of `table`'s 'maps' rows (the table the maps were scored with): the summary line,
 * --out (with --shard: the part `merge` adds up) and --json.
 */
export async function writeEvalMetrics(
  result: ScoreCamResult,
  images: EvalImages,
  settings: EvalSettings,
  flags: Pick<EvalFlags, 'allowMissing' | 'out' | 'json'>,
  leftOut: number,
  table: MetricTable = METRICS,
): Promise<void> {
  const counts = {
    protocol: result.protocol,
    total: result.total,
    scored: result.scored,
    problemCounts: result.problemCounts,
    resized: result.resized,
    clippedBoxes: result.clippedBoxes,
    zeroAreaBoxes: result.zeroAreaBoxes,
    outsideBoxes: result.outsideBoxes,
    nonFiniteMaps: result.nonFiniteMaps,
    ...(flags.allowMissing ? { leftOutMissingMaps: leftOut } : {}),
  };
  const missingGroundTruth = missingSummary(images.check);
  const evaluators = new MetricSet(evalMetricSettings(settings), { table });
  evaluators.mergeStates(result.states);
  const metrics = evalMetrics(counts, evaluators, missingGroundTruth);
  process.stderr.write(
    `eval: ${result.scored}/${result.total} maps scored (${result.total - result.scored} skipped); ${summaryLines(metrics, table).join('; ')}\n`,
  );
  const { sharded } = images;
  const part =
    sharded &&
    evalPart({
      settings,
      shard: sharded.record,
      ids: images.dataset.items.map((item) => item.id),
      datasetIds: sharded.allItems.map((item) => item.id),
      counts,
      missingGroundTruth,
      evaluators,
      metrics,
    });
  if (flags.out) await writeJsonAtomic(flags.out, part || metrics);
  if (flags.json) process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
}

/** Warnings about the ground truth and the maps, and the exit code they call for. */
export function warnAfterScoring(
  result: ScoreCamResult,
  images: EvalImages,
  flags: Pick<EvalFlags, 'allowMissing'>,
): void {
  if (result.clippedBoxes > 0)
    process.stderr.write(
      `eval: warning: ${result.clippedBoxes} ground-truth boxes reached outside their image and were clipped to it\n`,
    );
  const degenerate = describeDegenerateBoxes(result);
  if (degenerate !== undefined) process.stderr.write(`eval: warning: ${degenerate}\n`);
  if (result.nonFiniteMaps > 0)
    process.stderr.write(
      `eval: warning: ${result.nonFiniteMaps} score maps hold NaN or infinite values and were scored as all zeros (wsolevaluation's rule)\n`,
    );
  if (result.scored === 0) process.exitCode = 1;
  if (images.check.incomplete.length > 0 && !flags.allowMissing) process.exitCode = 1;
}
