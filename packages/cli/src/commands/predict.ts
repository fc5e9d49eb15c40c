/**
 * `cam-localize predict <photos>`: its flags, and the summary of the image-run session it drives
 * (pipeline/image-run-session.ts, with predict's plan in pipeline/predict-plan.ts).
 */
import { type Command, Option } from 'commander';
import {
  addCamOptions,
  addLocalizeOptions,
  addModelOptions,
  addShardOptions,
  positiveInteger,
  workersFromFlags,
} from '../options.js';
import { addOverlayStyleOptions, CAM_SIZES } from '../pipeline/artifacts.js';
import { stdoutClosed } from '../pipeline/closed-stdout.js';
import { withEarlyWorkers } from '../pipeline/early-workers.js';
import { ImageRunSession } from '../pipeline/image-run-session.js';
import type { PredictWork } from '../pipeline/image-work-settings.js';
import { PhotoPredict, type PredictFlags } from '../pipeline/predict-plan.js';
import { addProgressOption } from '../pipeline/progress.js';
import { RunDirectory } from '../pipeline/run-dir.js';

/** `cam-localize predict <files|dirs|globs...>`: CAMs and boxes for images without ground truth. */
export function registerPredict(program: Command): void {
  const command = program
    .command('predict')
    .description('CAMs and boxes for image files, folders or globs (no ground truth)')
    .argument('<images...>', 'image files, folders (searched recursively) or globs');
  addModelOptions(command);
  addCamOptions(command);
  addLocalizeOptions(command);
  addShardOptions(command);
  addProgressOption(command);
  addOverlayStyleOptions(command);
  command
    .option('--out <dir>', 'write results.jsonl (and overlays) to this run directory')
    .option('--save-cams <dir>', 'write each score map as <dir>/<image>.npy')
    .addOption(new Option('--cam-size <size>', 'size of saved maps').choices([...CAM_SIZES]).default('input'))
    .option('--overlays [dir]', 'write CAM overlays with boxes (default <out>/overlays)')
    .option('--limit <n>', 'only the first N images', positiveInteger('--limit'))
    .option('--resume', 'continue the run in --out, skipping finished images')
    .option('--no-grid-maps', 'with --out: do not keep the feature-grid maps `cam-localize view` reads')
    .option(
      '--json',
      'print one JSON line per image on stdout (without --out or --json: JSON lines when stdout is piped, a table on a terminal)',
    )
    .action(async (patterns: string[], flags: PredictFlags) => {
      // The pipeline's threads load their modules while the model's session is made.
      await withEarlyWorkers(workersFromFlags(flags), async (early) => {
        const plan = await PhotoPredict.open(patterns, flags);
        await summarise(await ImageRunSession.open(plan, flags, early));
      });
    });
}

/** Runs the images, then says how many went through, how fast, and where the results are. */
async function summarise(session: ImageRunSession<PredictWork, RunDirectory | undefined>): Promise<void> {
  try {
    const { images, failed, seconds, throughput } = await session.runImages();
    const todo = session.todo.length;
    if (images < todo && stdoutClosed()) {
      process.stderr.write(`cam-localize: stdout was closed: stopped after ${images} of ${todo} images\n`);
    }
    const kept = session.runDir ? `; results in ${session.runDir.file(RunDirectory.RESULTS)}` : '';
    process.stderr.write(
      `predict: ${images - failed} images ok, ${failed} failed, ${seconds.toFixed(1)} s (${throughput})${kept}\n`,
    );
    if (failed > 0) process.exitCode = 1;
  } finally {
    await session.close();
  }
}
