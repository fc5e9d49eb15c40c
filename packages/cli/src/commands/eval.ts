/**
 * `cam-localize eval <dataset> --cams <dir>`: its flags, and its sequence: the images and frame
 * (pipeline/eval-images.ts), the scoring, then the coverage, metrics and warnings
 * (pipeline/eval-outcome.ts).
 */
import { resolve } from 'node:path';
import { type ScoreCamDirectoryOptions, scoreCamDirectory } from '@cam-localize/eval';
import { thresholdGrid } from '@cam-localize/localize';
import { type Command, Option } from 'commander';
import {
  addShardOptions,
  positiveInteger,
  thresholdInterval,
  workersFromFlags,
  workersOption,
} from '../options.js';
import { assertCamFolder } from '../pipeline/cam-coverage.js';
import { type EvalFlags, evalFrame, evalImages, iouLevels } from '../pipeline/eval-images.js';
import { checkCoverage, warnAfterScoring, writeEvalMetrics } from '../pipeline/eval-outcome.js';
import type { EvalSettings } from '../pipeline/eval-parts.js';
import { addProgressOption, Progress } from '../pipeline/progress.js';

/**
 * `cam-localize eval <dataset> --cams <dir>`: scores score maps made by any framework, laid out
 * as wsolevaluation does (`<dir>/<image_id>.npy`), with wsolevaluation's MaxBoxAcc protocol.
 */
export function registerEval(program: Command): void {
  addProgressOption(addShardOptions(program.command('eval')))
    .description(
      'score saved score maps (<cams>/<image_id>.npy) against a dataset: MaxBoxAcc, MaxBoxAccV2, PxAP for masks',
    )
    .argument('<dataset>', 'dataset folder with ground-truth boxes')
    .requiredOption('--cams <dir>', 'folder of .npy score maps, one per image id')
    .addOption(
      new Option('--protocol <name>', 'evaluation protocol')
        .choices(['wsolevaluation'])
        .default('wsolevaluation'),
    )
    .addOption(
      new Option('--boxes <mode>', 'all contours (MaxBoxAccV2) or the largest (V1)')
        .choices(['all', 'largest'])
        .default('all'),
    )
    .option('--interval <t>', 'CAM threshold spacing, in (0, 0.5]', thresholdInterval, 0.001)
    .option(
      '--iou <levels>',
      'IoU levels in percent, comma-separated (default 30,50,70; 50 with --boxes largest)',
    )
    .option(
      '--size <n>',
      "evaluation frame (maps and boxes resized to NxN; default: the maps' size where the first maps are one NxN size, as `run --save-cams` writes them, else 224)",
      positiveInteger('--size'),
    )
    .addOption(new Option('--split <split>', 'CUB-200-2011 split').choices(['train', 'test', 'all']))
    .option('--labels <file>', 'class list mapping annotation names (wnids, VOC names) to class indices')
    .option('--limit <n>', 'only the first N images', positiveInteger('--limit'))
    .option(
      '--out <file>',
      'also write the metrics JSON to this file (with --shard: the part `merge` adds up)',
    )
    .option('--json', 'print the metrics as JSON on stdout')
    .option('--allow-outside-root', 'read image and mask paths that lead outside the dataset folder')
    .option(
      '--allow-missing',
      'exit 0 although some images lack their boxes, mask or score map (they are left out of every metric)',
    )
    .option(
      '--trust-sizes',
      "use the stored image sizes (image_sizes.txt, VOC <size>) without checking them against the images' headers, as wsolevaluation does: for metadata without images",
    )
    .addOption(workersOption('threads that read and score the score maps'))
    .action((root: string, flags: EvalFlags) => evaluate(root, flags));
}

/**
 * Scores the maps of the dataset's images, then writes and says what came of it. `metrics`: the
 * table of metrics (default eval's `METRICS`) and, for worker threads, its module.
 */
export async function evaluate(
  root: string,
  flags: EvalFlags,
  metrics: Pick<ScoreCamDirectoryOptions, 'metrics' | 'metricsModule'> = {},
): Promise<void> {
  const cams = resolve(flags.cams);
  await assertCamFolder(cams);
  const images = await evalImages(root, flags);
  const { dataset } = images;
  const iouThresholds = iouLevels(flags);
  const progress = new Progress({
    total: dataset.items.length,
    label: 'eval',
    intervalSeconds: flags.progressInterval,
  });
  let last = 0;
  const size = evalFrame(flags, cams, dataset);
  const result = await scoreCamDirectory(dataset, cams, {
    thresholds: thresholdGrid(flags.interval),
    iouThresholds,
    multiContour: flags.boxes === 'all',
    size,
    workers: workersFromFlags(flags),
    ...metrics,
    onProgress: (done) => {
      for (; last < done; last++) progress.tick(true);
    },
  });
  progress.finish();
  const leftOut = checkCoverage(result, flags);
  if (leftOut === undefined) return;
  const settings: EvalSettings = {
    dataset: dataset.root,
    format: dataset.format,
    split: flags.split ?? null,
    cams,
    boxes: flags.boxes,
    interval: flags.interval,
    iouLevels: iouThresholds,
    size,
    allowMissing: flags.allowMissing === true,
  };
  await writeEvalMetrics(result, images, settings, flags, leftOut, metrics.metrics);
  warnAfterScoring(result, images, flags);
}
