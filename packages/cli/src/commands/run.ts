/**
 * `cam-localize run <dataset>`. `run` stays one function of about 170 lines: the command's one
 * sequence (dataset, run folder and lock, model and preset choice, pipeline, records, metrics,
 * report), the same steps as `predict`'s; making the two one image-run session is issue 30, item 4.
 */
import { join, resolve } from 'node:path';
import { type Labels, parseTarget, readLabels, UsageError } from '@cam-localize/core';
import {
  type DatasetItem,
  type DeletionBaseline,
  type EvaluationProtocol,
  FAITHFULNESS_METRIC_NAMES,
  parseFaithfulnessList,
  readDataset,
  TOOL_DEFAULTS,
  WSOL_PROTOCOL,
} from '@cam-localize/eval';
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
  nonNegativeInteger,
  pipelineOptionsFromFlags,
  positiveInteger,
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
import { classNamesFor } from '../pipeline/class-names.js';
import { type EarlyWorkers, withEarlyWorkers } from '../pipeline/early-workers.js';
import type { FaithfulnessWork } from '../pipeline/faithfulness-step.js';
import { galleryRenderer } from '../pipeline/gallery.js';
import { GridMapsWriter } from '../pipeline/grid-maps.js';
import { checkedItems } from '../pipeline/ground-truth-check.js';
import { ImageEvaluator } from '../pipeline/image-evaluator.js';
import { deviceCamRequest, type RunWork } from '../pipeline/image-work.js';
import { resumeCommand } from '../pipeline/interrupt.js';
import { assertLabelsFitModel, assertMethodFitsModel } from '../pipeline/model-checks.js';
import { PredictionCheck } from '../pipeline/prediction-check.js';
import { announcePreprocessing } from '../pipeline/preprocess-provenance.js';
import { loadWithPresetChoice } from '../pipeline/preset-choice.js';
import { addProgressOption, Progress } from '../pipeline/progress.js';
import { checkRunRecord } from '../pipeline/record-schema.js';
import type { RunRecord } from '../pipeline/records.js';
import { assertSameRun, buildRunConfig } from '../pipeline/run-config.js';
import { RunDirectory } from '../pipeline/run-dir.js';
import { selectShard, shardFromFlags, writeDatasetIds } from '../pipeline/shard.js';
import { ImagePipeline } from '../pipeline/stream.js';
import { finishRunSession, sessionTotals, startRunSession } from '../reporting/run-log.js';
import { buildReports, printSummary } from '../reporting.js';
import { VERSION } from '../version.js';

interface RunFlags extends ModelFlags, CamFlags, LocalizeFlags, ShardFlags {
  out?: string;
  protocol?: 'wsolevaluation';
  resume?: boolean;
  retryFailed: boolean;
  overwrite?: boolean;
  limit?: number;
  saveCams?: string;
  camSize: CamSize;
  overlays?: string | boolean;
  json?: boolean;
  split?: 'train' | 'test' | 'all';
  gallery: number;
  report: boolean;
  allowOutsideRoot?: boolean;
  allowMissing?: boolean;
  progressInterval: number;
  colormap: OverlayStyle['colormap'];
  alpha: number;
  faithfulness?: string;
  faithfulnessSteps: number;
  deletionBaseline: DeletionBaseline;
  gridMaps: boolean;
  fillGridMaps?: boolean;
}

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
      await withEarlyWorkers(workersFromFlags(flags), (early) => run(root, flags, early));
    });
}

async function run(root: string, flags: RunFlags, early: EarlyWorkers): Promise<void> {
  const protocol = protocolFor(flags);
  const boxMode = flags.boxes ?? (flags.protocol ? 'all' : 'largest');
  const dataset = await readDataset(resolve(root), {
    ...(flags.split === undefined ? {} : { split: flags.split }),
    ...(flags.labels === undefined ? {} : { labels: flags.labels }),
    allowOutsideRoot: flags.allowOutsideRoot === true,
  });
  let items: DatasetItem[] = checkedItems(dataset.items, 'run', flags.allowMissing === true).items;
  if (flags.limit !== undefined) items = items.slice(0, flags.limit);
  if (items.length === 0) throw new UsageError('E_USAGE', `no images in ${root}`);
  const shard = shardFromFlags(flags, process.env);
  const sharded = shard ? selectShard(items, shard) : undefined;

  const labels: Labels | undefined = flags.labels ? await readLabels(flags.labels) : undefined;
  const lookup = labels ? (name: string) => labels.indexOf(name) : undefined;
  const camOptions = camOptionsFromFlags(flags);
  const target = parseTarget(flags.protocol && flags.target === 'predicted' ? 'gt' : flags.target, lookup);
  const normalization = flags.normalize ?? (protocol.relu ? 'relu-minmax' : 'minmax');
  const preprocess = {
    ...preprocessFromFlags(flags),
    ...(protocol.resize === 'preset'
      ? {}
      : {
          resize: { mode: 'exact' as const, size: [protocol.resize.width, protocol.resize.height] as const },
          crop: null,
        }),
  };
  const faithfulness = faithfulnessFromFlags(flags);
  const out = flags.out ?? join('runs', dataset.root.split('/').filter(Boolean).pop() ?? 'run');
  await assertArtifactFolders(flags.saveCams, overlayFolder(flags.overlays, out));
  const overlayDir = overlayFolder(flags.overlays, out);
  const { model, choice: presetChoice } = await loadWithPresetChoice(
    flags.model,
    {
      ...modelOptionsFromFlags(flags, { preprocess, method: flags.method }),
      keepImages: false,
      deviceCam: deviceCamRequest(
        { command: 'run', target, method: flags.method, normalization, camOptions },
        faithfulness === undefined ? flags.camOnDevice : 'off',
      ),
    },
    flags,
    // The whole dataset's first images, so that every shard and --limit make the same choice.
    () => dataset.items.map((item) => ({ file: item.file, label: item.classIndex })),
    preprocess,
  );
  announcePreprocessing(model);
  // auto says what it picked and why (e.g. which CUDA library is missing).
  if (flags.device === 'auto') process.stderr.write(`cam-localize: device ${model.deviceChoice.reason}\n`);
  assertLabelsFitModel(labels, flags.labels, model);
  assertMethodFitsModel(flags.method, model);
  const classNames = classNamesFor(model.head.numClasses, { labels, datasetNames: dataset.classNames });
  if (classNames.note !== undefined) process.stderr.write(`cam-localize: ${classNames.note}\n`);
  const config = {
    ...(await buildRunConfig({
      flags,
      dataset,
      protocol,
      boxes: boxMode,
      normalization,
      preprocess,
      model,
      ...(presetChoice === undefined ? {} : { presetChoice }),
      ...(faithfulness === undefined ? {} : { faithfulness }),
    })),
    ...(sharded ? { shard: sharded.record } : {}),
  };
  const runDir = await RunDirectory.open(out, config, {
    checkResume: (previous) => assertSameRun(previous, config, out),
    resume: flags.resume === true,
    overwrite: flags.overwrite === true,
    command: 'run',
    resumeHint: resumeCommand(process.argv.slice(2)),
    retryFailed: flags.retryFailed,
    recordCheck: checkRunRecord,
  });
  if (sharded)
    await writeDatasetIds(
      runDir.path,
      items.map((item) => item.id),
    );
  const work: RunWork = {
    command: 'run',
    protocol,
    method: flags.method,
    normalization,
    camOptions,
    target,
    threshold: parseThreshold(flags.threshold),
    mode: boxMode,
    connectivity: Number(flags.connectivity) as 4 | 8,
    minArea: flags.minArea,
    ...(flags.saveCams === undefined ? {} : { saveCams: { dir: flags.saveCams, size: flags.camSize } }),
    ...(overlayDir === undefined
      ? {}
      : { overlayDir, overlayStyle: { colormap: flags.colormap, alpha: flags.alpha } }),
    classNames: classNames.names,
    ...(faithfulness === undefined ? {} : { faithfulness }),
    gridMaps: flags.gridMaps,
  };
  // On the main thread for the report's gallery (and to refuse bad settings before any image).
  const evaluator = new ImageEvaluator(model, protocol, work);

  const gridMaps = flags.gridMaps ? await GridMapsWriter.open(runDir.path, flags.resume !== true) : undefined;
  // --fill-grid-maps: finished images without maps go through the pipeline for their maps only.
  const filling = new Set<string>();
  const todo = (sharded?.items ?? items).filter((item) => {
    if (!runDir.has(item.id)) return true;
    if (flags.fillGridMaps !== true || gridMaps === undefined || gridMaps.stored.has(item.id)) return false;
    filling.add(item.id);
    return true;
  });
  const retried = todo.filter((item) => runDir.retrying.has(item.id)).length;
  if (runDir.done.size > 0 || retried > 0) {
    const again = retried > 0 ? `; running again ${retried} that failed` : '';
    process.stderr.write(`run: resuming, ${runDir.done.size} images already done${again}\n`);
  }
  const pipeline = await ImagePipeline.start(
    model,
    work,
    pipelineOptionsFromFlags(flags, model.provider, overlayDir !== undefined),
    early,
  );
  const progress = new Progress({
    total: todo.length,
    label: 'run',
    intervalSeconds: flags.progressInterval,
  });
  // Written now, so that a session killed before its end is still in run-log.json.
  const session = await startRunSession(runDir.path, VERSION, flags.resume === true);
  const check = new PredictionCheck(flags.model, `preset ${config.preprocessRan?.preset ?? 'unknown'}`);
  try {
    await pipeline.run(todo, (record, item) => {
      const kept = gridMaps === undefined ? record : gridMaps.take(record);
      if (filling.has(item.id)) return progress.tick(record.status === 'ok');
      runDir.append(kept as RunRecord);
      if (record.status === 'error') process.stderr.write(`cam-localize: ${item.file}: ${record.error}\n`);
      check.observe(kept as RunRecord);
      progress.tick(record.status === 'ok');
    });
  } finally {
    progress.finish();
    gridMaps?.close();
    runDir.close();
    await pipeline.close();
  }

  const sessions = await finishRunSession(runDir.path, session, {
    images: pipeline.stats.images,
    seconds: pipeline.stats.seconds,
    throughput: pipeline.describeStats(),
  });
  const summary = await buildReports(runDir.path, {
    render: galleryRenderer(model, evaluator),
    galleryCount: flags.report ? flags.gallery : 0,
    writeReports: flags.report,
  });
  runDir.release();
  await model.release();
  printSummary(summary, {
    seconds: pipeline.stats.seconds,
    images: todo.length,
    ...(flags.resume === true ? { retried } : {}),
    throughput: pipeline.describeStats(),
    ...(sessions.length > 1 ? { totals: sessionTotals(sessions) } : {}),
  });
  if (summary.metrics.images.failed > 0) process.exitCode = 1;
  if (summary.metrics.warnings.missingGroundTruth.images > 0 && !flags.allowMissing) process.exitCode = 1;
  if (flags.json) process.stdout.write(`${JSON.stringify(summary.metrics, null, 2)}\n`);
}

/**
 * The faithfulness settings of a run, or undefined without --faithfulness. The metrics need the
 * plain forward pass of the model, so CAMs in the graph (--cam-on-device on) are refused.
 */
function faithfulnessFromFlags(flags: RunFlags): FaithfulnessWork | undefined {
  if (flags.faithfulness === undefined) return undefined;
  const metrics = parseFaithfulnessList(flags.faithfulness);
  if (flags.camOnDevice === 'on') {
    throw new UsageError(
      'E_USAGE',
      '--faithfulness runs the plain model: it cannot be combined with --cam-on-device on',
      {
        hint: 'use --cam-on-device auto or off',
      },
    );
  }
  return { metrics, steps: flags.faithfulnessSteps, deletionBaseline: flags.deletionBaseline, seed: 0 };
}

/**
 * The evaluation protocol of a run. Under --protocol wsolevaluation, `--boxes largest` is the
 * paper's single-box variant (MaxBoxAcc V1: largest contour, IoU 50); otherwise MaxBoxAccV2.
 */
export function protocolFor(flags: { protocol?: string; boxes?: string }): EvaluationProtocol {
  if (flags.protocol !== 'wsolevaluation') return TOOL_DEFAULTS;
  if (flags.boxes === 'largest') return { ...WSOL_PROTOCOL, multiContour: false, iouThresholds: [50] };
  if (flags.boxes === 'merged')
    throw new UsageError('E_USAGE', '--protocol wsolevaluation takes --boxes all or largest');
  return WSOL_PROTOCOL;
}
