/**
 * `cam-localize run <dataset>`: its flags, and what it makes of the image-run session it drives
 * (pipeline/image-run-session.ts, with run's plan in pipeline/run-plan.ts): the run log, the
 * metrics and reports, the summary and the exit code.
 */

import { FAITHFULNESS_METRIC_NAMES } from '@cam-localize/eval';
import { type Command, Option } from 'commander';
import {
  addCamOptions,
  addLocalizeOptions,
  addModelOptions,
  addShardOptions,
  nonNegativeInteger,
  positiveInteger,
  workersFromFlags,
} from '../options.js';
import { addOverlayStyleOptions, CAM_SIZES } from '../pipeline/artifacts.js';
import { withEarlyWorkers } from '../pipeline/early-workers.js';
import { galleryRenderer } from '../pipeline/gallery.js';
import { ImageRunSession } from '../pipeline/image-run-session.js';
import type { RunWork } from '../pipeline/image-work-settings.js';
import { addProgressOption } from '../pipeline/progress.js';
import type { RunDirectory } from '../pipeline/run-dir.js';
import { DatasetRun, type RunFlags } from '../pipeline/run-plan.js';
import { finishRunSession, sessionTotals, startRunSession } from '../reporting/run-log.js';
import { buildReports, printSummary } from '../reporting.js';
import { VERSION } from '../version.js';

/** report.ts reads a finished run's protocol the way run chose it. */
export { protocolFor } from '../pipeline/run-plan.js';

/** `cam-localize run <dataset>`: predict, localize, evaluate and report over a whole dataset. */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('CAMs, boxes and WSOL metrics over a dataset, with a resumable run directory and reports')
    .argument(
      '<dataset>',
      'dataset folder (wsolevaluation metadata, VOC/ILSVRC XML, CUB, LOC_val_solution.csv, or images)',
    );
  addModelOptions(command);
  addCamOptions(command);
  addLocalizeOptions(command);
  addShardOptions(command);
  addProgressOption(command);
  addOverlayStyleOptions(command);
  command
    .addOption(
      new Option(
        '--protocol <name>',
        'evaluate exactly as wsolevaluation (224x224 resize, GT-class CAM, bicubic, min-max)',
      ).choices(['wsolevaluation']),
    )
    .option('--out <dir>', 'run directory (default runs/<dataset name>)')
    .option('--resume', 'continue the run in --out, skipping finished images (failed ones run again)')
    .option('--no-retry-failed', 'with --resume, keep the failed images as they failed')
    .option('--overwrite', 'start the run in --out again, discarding its results')
    .option('--limit <n>', 'only the first N images', positiveInteger('--limit'))
    .option('--save-cams <dir>', 'write each target CAM as <dir>/<image id>.npy')
    .addOption(new Option('--cam-size <size>', 'size of saved maps').choices([...CAM_SIZES]).default('input'))
    .option('--overlays [dir]', 'write an overlay per image (default <out>/overlays)')
    .addOption(new Option('--split <split>', 'CUB-200-2011 split').choices(['train', 'test', 'all']))
    .option('--gallery <n>', 'examples per gallery in the report', nonNegativeInteger('--gallery'), 8)
    .option('--no-report', 'skip the Markdown/HTML reports')
    .option('--json', 'print the metrics as JSON on stdout')
    .option('--no-grid-maps', 'do not keep the feature-grid maps `cam-localize view` reads (grid-maps.jsonl)')
    .option(
      '--fill-grid-maps',
      'with --resume: compute the grid maps of finished images that lack them (their results are kept)',
    )
    .option('--allow-outside-root', 'read image and mask paths that lead outside the dataset folder')
    .option('--allow-missing', 'exit 0 although some images lack their class label or boxes')
    .option(
      '--faithfulness <list>',
      `faithfulness metrics of the predicted class's map, comma-separated: ${FAITHFULNESS_METRIC_NAMES.join(', ')}`,
    )
    .option(
      '--faithfulness-steps <n>',
      'steps of the deletion and insertion curves (forward passes per image each)',
      positiveInteger('--faithfulness-steps'),
      20,
    )
    .addOption(
      new Option('--deletion-baseline <value>', 'what deleted pixels become (deletion metric)')
        .choices(['zero', 'mean'])
        .default('zero'),
    )
    .action(async (root: string, flags: RunFlags) => {
      // The pipeline's threads load their modules while the model's session is made.
      await withEarlyWorkers(workersFromFlags(flags), async (early) => {
        const plan = await DatasetRun.open(root, flags);
        await report(plan, flags, await ImageRunSession.open(plan, flags, early));
      });
    });
}

/** Runs the images, then the run log, metrics, reports and summary of the run folder. */
async function report(
  plan: DatasetRun,
  flags: RunFlags,
  session: ImageRunSession<RunWork, RunDirectory>,
): Promise<void> {
  const dir = session.runDir.path;
  try {
    // Written now, so that a session killed before its end is still in run-log.json.
    const logged = await startRunSession(dir, VERSION, flags.resume === true);
    const ended = await session.runImages();
    const { images, seconds, throughput } = ended;
    const sessions = await finishRunSession(dir, logged, { images, seconds, throughput });
    const summary = await buildReports(dir, {
      render: galleryRenderer(session.model, plan.evaluator),
      galleryCount: flags.report ? flags.gallery : 0,
      writeReports: flags.report,
    });
    printSummary(summary, {
      seconds,
      images: session.todo.length,
      ...(flags.resume === true ? { retried: session.retried } : {}),
      throughput,
      ...(sessions.length > 1 ? { totals: sessionTotals(sessions) } : {}),
    });
    if (summary.metrics.images.failed > 0) process.exitCode = 1;
    if (summary.metrics.warnings.missingGroundTruth.images > 0 && !flags.allowMissing) process.exitCode = 1;
    if (flags.json) process.stdout.write(`${JSON.stringify(summary.metrics, null, 2)}\n`);
  } finally {
    await session.close();
  }
}
