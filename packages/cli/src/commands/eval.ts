/**
 * `cam-localize eval <dataset> --cams <dir>`. `registerEval` and its action stay long (about 170
 * lines): they are the command's one sequence (flags, dataset, shard, size check, scoring, parts,
 * summary), read top to bottom; splitting it into one session that `run`, `predict` and `eval`
 * share is issue 30, item 4.
 */
import { resolve } from 'node:path';
import { UsageError } from '@cam-localize/core';
import {
  describeDegenerateBoxes,
  MetricSet,
  readDataset,
  scoreCamDirectory,
  summaryLines,
} from '@cam-localize/eval';
import { thresholdGrid } from '@cam-localize/localize';
import { type Command, Option } from 'commander';
import {
  addShardOptions,
  positiveInteger,
  type ShardFlags,
  thresholdInterval,
  workersFromFlags,
  workersOption,
} from '../options.js';
import { assertCamFolder, camCoverage } from '../pipeline/cam-coverage.js';
import { type EvalSettings, evalMetricSettings, evalMetrics, evalPart } from '../pipeline/eval-parts.js';
import { checkedItems, missingSummary } from '../pipeline/ground-truth-check.js';
import { DEFAULT_FRAME, mapsFrame } from '../pipeline/maps-frame.js';
import { addProgressOption, Progress } from '../pipeline/progress.js';
import { writeJsonAtomic } from '../pipeline/run-dir.js';
import { selectShard, shardFromFlags } from '../pipeline/shard.js';
import { assertStoredSizes } from '../pipeline/stored-size-check.js';

interface EvalFlags extends ShardFlags {
  cams: string;
  protocol: 'wsolevaluation';
  boxes: 'all' | 'largest';
  interval: number;
  iou?: string;
  size?: number;
  split?: 'train' | 'test' | 'all';
  labels?: string;
  limit?: number;
  out?: string;
  json?: boolean;
  allowOutsideRoot?: boolean;
  allowMissing?: boolean;
  trustSizes?: boolean;
  progressInterval: number;
  workers?: number;
}

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
    .action(async (root: string, flags: EvalFlags) => {
      await assertCamFolder(resolve(flags.cams));
      const dataset = await readDataset(resolve(root), {
        ...(flags.split === undefined ? {} : { split: flags.split }),
        allowOutsideRoot: flags.allowOutsideRoot === true,
      });
      // eval scores no class: only missing boxes or masks matter here.
      const boxesAndMasks = dataset.items.map(({ classIndex: _, ...item }) => item);
      const checked = checkedItems(boxesAndMasks, 'eval', flags.allowMissing === true);
      dataset.items = checked.items;
      if (flags.limit !== undefined) dataset.items = dataset.items.slice(0, flags.limit);
      const shard = shardFromFlags(flags, process.env);
      if (shard && flags.out === undefined)
        throw new UsageError('E_USAGE', '--shard needs --out <part.json>');
      const allItems = dataset.items;
      const sharded = shard ? selectShard(allItems, shard) : undefined;
      if (sharded) dataset.items = sharded.items;
      if (flags.trustSizes !== true) await assertStoredSizes(dataset.root, dataset.items);
      const iouThresholds = (flags.iou ?? (flags.boxes === 'all' ? '30,50,70' : '50'))
        .split(',')
        .map((v) => Number(v.trim()));
      const progress = new Progress({
        total: dataset.items.length,
        label: 'eval',
        intervalSeconds: flags.progressInterval,
      });
      let last = 0;
      const size =
        flags.size ??
        mapsFrame(
          resolve(flags.cams),
          dataset.items.map((item) => item.id),
        );
      if (flags.size === undefined && size !== DEFAULT_FRAME)
        process.stderr.write(`eval: frame ${size}x${size}, the size of the maps (--size sets another)\n`);
      const result = await scoreCamDirectory(dataset, resolve(flags.cams), {
        thresholds: thresholdGrid(flags.interval),
        iouThresholds,
        multiContour: flags.boxes === 'all',
        size,
        workers: workersFromFlags(flags),
        onProgress: (done) => {
          while (last < done) {
            progress.tick(true);
            last++;
          }
        },
      });
      progress.finish();
      const coverage = camCoverage(result.problems, result.total, {
        allowMissing: flags.allowMissing === true,
      });
      // Each problem first (why a map is unusable), then what it means for the metrics.
      for (const problem of result.problems.slice(0, 20)) {
        process.stderr.write(`cam-localize: ${problem.file}: ${problem.message}\n`);
      }
      if (result.problems.length > 20)
        process.stderr.write(`cam-localize: ... and ${result.problems.length - 20} more problems\n`);
      if (coverage.message) process.stderr.write(`${coverage.message}\n`);
      if (coverage.fails) {
        process.exitCode = 1;
        return;
      }
      const settings: EvalSettings = {
        dataset: dataset.root,
        format: dataset.format,
        split: flags.split ?? null,
        cams: resolve(flags.cams),
        boxes: flags.boxes,
        interval: flags.interval,
        iouLevels: iouThresholds,
        size,
        allowMissing: flags.allowMissing === true,
      };
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
        ...(flags.allowMissing ? { leftOutMissingMaps: coverage.unusable } : {}),
      };
      const missingGroundTruth = missingSummary(checked.check);
      const evaluators = new MetricSet(evalMetricSettings(settings));
      evaluators.mergeStates(result.states);
      const metrics = evalMetrics(counts, evaluators, missingGroundTruth);
      process.stderr.write(
        `eval: ${result.scored}/${result.total} maps scored (${result.total - result.scored} skipped); ${summaryLines(metrics).join('; ')}\n`,
      );
      const ids = dataset.items.map((item) => item.id);
      const datasetIds = sharded ? allItems.map((item) => item.id) : [];
      const part =
        sharded &&
        evalPart({
          settings,
          shard: sharded.record,
          ids,
          datasetIds,
          counts,
          missingGroundTruth,
          evaluators,
          metrics,
        });
      if (flags.out) await writeJsonAtomic(flags.out, part || metrics);
      if (flags.json) process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
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
      if (checked.check.incomplete.length > 0 && !flags.allowMissing) process.exitCode = 1;
    });
}
