/**
 * `cam-localize predict <photos>`. `predict` stays one function of about 150 lines: the command's
 * one sequence (images, labels, model, preset choice, pipeline, records, summary), the same steps
 * as `run`'s; making the two one image-run session is issue 30, item 4.
 */
import { basename, dirname, relative } from 'node:path';
import { imagenetLabels, type Labels, readLabels } from '@cam-localize/core';
import { parseThreshold } from '@cam-localize/localize';
import { type Command, Option } from 'commander';
import {
  addCamOptions,
  addLocalizeOptions,
  addModelOptions,
  addShardOptions,
  type CamFlags,
  camOptionsFromFlags,
  type LocalizeFlags,
  type ModelFlags,
  modelOptionsFromFlags,
  pipelineOptionsFromFlags,
  preprocessFromFlags,
  type ShardFlags,
  workersFromFlags,
} from '../options.js';
import {
  addOverlayStyleOptions,
  assertArtifactFolders,
  CAM_SIZES,
  type CamSize,
  type OverlayStyle,
  overlayFolder,
} from '../pipeline/artifacts.js';
import { assertBuiltInNameFits, classNamesFor } from '../pipeline/class-names.js';
import { stdoutClosed, untilStdoutCloses } from '../pipeline/closed-stdout.js';
import { discoverImages } from '../pipeline/discover.js';
import { type EarlyWorkers, withEarlyWorkers } from '../pipeline/early-workers.js';
import { GridMapsWriter } from '../pipeline/grid-maps.js';
import { deviceCamRequest, type PredictWork } from '../pipeline/image-work.js';
import { exitOnInterrupt, resumeCommand } from '../pipeline/interrupt.js';
import { assertLabelsFitModel, assertMethodFitsModel, predictTarget } from '../pipeline/model-checks.js';
import { PredictionCheck } from '../pipeline/prediction-check.js';
import { announcePreprocessing, preprocessRan } from '../pipeline/preprocess-provenance.js';
import { loadWithPresetChoice } from '../pipeline/preset-choice.js';
import { addProgressOption, Progress } from '../pipeline/progress.js';
import { describePredictStdout, predictStdout, ResultTable } from '../pipeline/result-table.js';
import { RunDirectory } from '../pipeline/run-dir.js';
import {
  assertSameShard,
  type ShardRecord,
  selectShard,
  shardFromFlags,
  writeDatasetIds,
} from '../pipeline/shard.js';
import { ImagePipeline } from '../pipeline/stream.js';

interface PredictFlags extends ModelFlags, CamFlags, LocalizeFlags, ShardFlags {
  out?: string;
  saveCams?: string;
  camSize: CamSize;
  overlays?: string | boolean;
  limit?: number;
  resume?: boolean;
  json?: boolean;
  progressInterval: number;
  colormap: OverlayStyle['colormap'];
  alpha: number;
  gridMaps: boolean;
}

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
    .option('--limit <n>', 'only the first N images', (v) => Number(v))
    .option('--resume', 'continue the run in --out, skipping finished images')
    .option('--no-grid-maps', 'with --out: do not keep the feature-grid maps `cam-localize view` reads')
    .option(
      '--json',
      'print one JSON line per image on stdout (without --out or --json: JSON lines when stdout is piped, a table on a terminal)',
    )
    .action(async (patterns: string[], flags: PredictFlags) => {
      // The pipeline's threads load their modules while the model's session is made.
      await withEarlyWorkers(workersFromFlags(flags), (early) => predict(patterns, flags, early));
    });
}

async function predict(patterns: string[], flags: PredictFlags, early: EarlyWorkers): Promise<void> {
  const otherNames: [string, string][] = [];
  let files = await discoverImages(patterns, process.cwd(), (path, listed) =>
    otherNames.push([path, listed]),
  );
  if (otherNames.length > 0) {
    const [path, listed] = otherNames[0]!;
    process.stderr.write(
      `cam-localize: ${otherNames.length} path(s) name an image already listed (links), each image is predicted once: ` +
        `e.g. ${path} -> ${listed}\n`,
    );
  }
  if (flags.limit !== undefined) files = files.slice(0, flags.limit);
  const root = commonFolder(files);
  const items = files.map((file) => ({ id: relative(root, file) || basename(file), file }));
  const shard = shardFromFlags(flags, process.env);
  const sharded = shard ? selectShard(items, shard) : undefined;
  const labels: Labels | undefined = flags.labels ? await readLabels(flags.labels) : undefined;
  const camOptions = camOptionsFromFlags(flags);
  // Without --labels a class name is looked up among the built-in ImageNet names (checked below).
  const target = predictTarget(flags.target, (name) => (labels ?? imagenetLabels()).indexOf(name));
  const threshold = parseThreshold(flags.threshold);
  await assertArtifactFolders(flags.saveCams, overlayFolder(flags.overlays, flags.out ?? '.'));
  const { model, choice: presetChoice } = await loadWithPresetChoice(
    flags.model,
    {
      ...modelOptionsFromFlags(flags, { method: flags.method }),
      keepImages: false,
      deviceCam: deviceCamRequest(
        {
          command: 'predict',
          target,
          method: flags.method,
          normalization: flags.normalize ?? 'relu-minmax',
          camOptions,
        },
        flags.camOnDevice,
      ),
    },
    flags,
    () => items.map((item) => ({ file: item.file })),
    preprocessFromFlags(flags),
  );
  announcePreprocessing(model);
  const check = new PredictionCheck(
    flags.model,
    `preset ${preprocessRan(model, flags, { choice: presetChoice }).preset}`,
  );
  // auto says what it picked and why (e.g. which CUDA library is missing).
  if (flags.device === 'auto') process.stderr.write(`cam-localize: device ${model.deviceChoice.reason}\n`);
  assertLabelsFitModel(labels, flags.labels, model);
  assertMethodFitsModel(flags.method, model);
  const classNames = classNamesFor(model.head.numClasses, { labels });
  if (labels === undefined) assertBuiltInNameFits(flags.target, target, model.head.numClasses);
  if (classNames.note !== undefined) process.stderr.write(`cam-localize: ${classNames.note}\n`);
  const runDir = flags.out
    ? await RunDirectory.open(
        flags.out,
        { command: 'predict', patterns, ...flags, ...(sharded ? { shard: sharded.record } : {}) },
        {
          checkResume: (previous) =>
            assertSameShard((previous as { shard?: ShardRecord }).shard, sharded?.record, flags.out!),
          resume: flags.resume === true,
          command: 'predict',
          resumeHint: resumeCommand(process.argv.slice(2)),
        },
      )
    : undefined;
  if (runDir && sharded)
    await writeDatasetIds(
      runDir.path,
      items.map((item) => item.id),
    );
  const overlayDir = overlayFolder(flags.overlays, flags.out ?? '.');
  const work: PredictWork = {
    command: 'predict',
    method: flags.method,
    normalization: flags.normalize ?? 'relu-minmax',
    camOptions,
    target,
    threshold,
    mode: flags.boxes ?? 'largest',
    connectivity: Number(flags.connectivity) as 4 | 8,
    minArea: flags.minArea,
    ...(flags.saveCams === undefined ? {} : { saveCams: { dir: flags.saveCams, size: flags.camSize } }),
    ...(overlayDir === undefined
      ? {}
      : { overlayDir, overlayStyle: { colormap: flags.colormap, alpha: flags.alpha } }),
    classNames: classNames.names,
    gridMaps: runDir !== undefined && flags.gridMaps,
  };
  const gridMaps = work.gridMaps ? await GridMapsWriter.open(runDir!.path, flags.resume !== true) : undefined;
  const todo = (sharded?.items ?? items).filter((item) => !runDir?.has(item.id));
  const stdout = predictStdout(flags, process.stdout.isTTY === true);
  process.stderr.write(
    `cam-localize: ${describePredictStdout(stdout, runDir?.file(RunDirectory.RESULTS))}\n`,
  );
  const table = stdout === 'table' ? new ResultTable(todo.map((item) => item.id)) : undefined;
  const stopHandlingInterrupts = runDir
    ? undefined
    : exitOnInterrupt(() => 'pass --out <dir> to keep a run that --resume can continue');
  let failed = 0;
  const pipeline = await ImagePipeline.start(
    model,
    work,
    pipelineOptionsFromFlags(flags, model.provider, overlayDir !== undefined),
    early,
  );
  const progress = new Progress({
    total: todo.length,
    label: 'predict',
    intervalSeconds: flags.progressInterval,
  });
  if (table) progress.printAbove(process.stdout, table.header());
  try {
    await pipeline.run(untilStdoutCloses(todo), (record, item) => {
      if (record.status === 'error') failed++;
      const kept = gridMaps === undefined ? record : gridMaps.take(record);
      runDir?.append(kept as never);
      if (stdout === 'jsonl' && !stdoutClosed()) process.stdout.write(`${JSON.stringify(kept)}\n`);
      if (table) progress.printAbove(process.stdout, table.row(record as never));
      if (record.status === 'error')
        progress.printAbove(process.stderr, `cam-localize: ${item.file}: ${record.error}\n`);
      check.observe(record as never);
      progress.tick(record.status === 'ok');
    });
  } finally {
    progress.finish();
    gridMaps?.close();
    runDir?.release();
    stopHandlingInterrupts?.();
    await pipeline.close();
    await model.release();
  }
  const done = pipeline.stats.images;
  if (done < todo.length && stdoutClosed()) {
    process.stderr.write(`cam-localize: stdout was closed: stopped after ${done} of ${todo.length} images\n`);
  }
  process.stderr.write(
    `predict: ${done - failed} images ok, ${failed} failed, ${pipeline.stats.seconds.toFixed(1)} s ` +
      `(${pipeline.describeStats()})` +
      (runDir ? `; results in ${runDir.file(RunDirectory.RESULTS)}` : '') +
      '\n',
  );
  if (failed > 0) process.exitCode = 1;
}

/** The deepest folder holding every file, so image ids stay short and unique. */
function commonFolder(files: readonly string[]): string {
  if (files.length === 0) return '.';
  let common = dirname(files[0]!);
  for (const file of files) {
    while (!file.startsWith(`${common}/`) && common !== dirname(common)) common = dirname(common);
  }
  return common;
}
