import { join, resolve } from 'node:path';
import {
  CamModel,
  describeError,
  type Labels,
  parseTarget,
  readLabels,
  resolveTargets,
  UsageError,
} from '@cam-localize/core';
import {
  type DatasetItem,
  type EvaluationProtocol,
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
  type CamFlags,
  type LocalizeFlags,
  type ModelFlags,
  modelOptionsFromFlags,
  positiveInteger,
  preprocessFromFlags,
} from '../options.js';
import {
  assertArtifactFolders,
  CAM_SIZES,
  type CamSize,
  mapAtSize,
  overlayFolder,
  renderOverlay,
  saveCam,
  saveOverlay,
} from '../pipeline/artifacts.js';
import { galleryRenderer } from '../pipeline/gallery.js';
import { ImageEvaluator } from '../pipeline/image-evaluator.js';
import { resumeCommand } from '../pipeline/interrupt.js';
import { assertLabelsFitModel } from '../pipeline/model-checks.js';
import { Progress } from '../pipeline/progress.js';
import type { RunRecord } from '../pipeline/records.js';
import { assertSameRun, buildRunConfig } from '../pipeline/run-config.js';
import { RunDirectory } from '../pipeline/run-dir.js';
import { streamInferences } from '../pipeline/stream.js';
import { buildReports, printSummary } from '../reporting.js';

interface RunFlags extends ModelFlags, CamFlags, LocalizeFlags {
  out?: string;
  protocol?: 'wsolevaluation';
  resume?: boolean;
  overwrite?: boolean;
  limit?: number;
  saveCams?: string;
  camSize: CamSize;
  overlays?: string | boolean;
  json?: boolean;
  split?: 'train' | 'test' | 'all';
  gallery: number;
  report: boolean;
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
  command
    .addOption(
      new Option(
        '--protocol <name>',
        'evaluate exactly as wsolevaluation (224x224 resize, GT-class CAM, bicubic, min-max)',
      ).choices(['wsolevaluation']),
    )
    .option('--out <dir>', 'run directory (default runs/<dataset name>)')
    .option('--resume', 'continue the run in --out, skipping finished images')
    .option('--overwrite', 'start the run in --out again, discarding its results')
    .option('--limit <n>', 'only the first N images', positiveInteger('--limit'))
    .option('--save-cams <dir>', 'write each target CAM as <dir>/<image id>.npy')
    .addOption(new Option('--cam-size <size>', 'size of saved maps').choices([...CAM_SIZES]).default('input'))
    .option('--overlays [dir]', 'write an overlay per image (default <out>/overlays)')
    .addOption(new Option('--split <split>', 'CUB-200-2011 split').choices(['train', 'test', 'all']))
    .option('--gallery <n>', 'best and worst examples in the report', (v) => Number(v), 8)
    .option('--no-report', 'skip the Markdown/HTML reports')
    .option('--json', 'print the metrics as JSON on stdout')
    .action(async (root: string, flags: RunFlags) => {
      await run(root, flags);
    });
}

async function run(root: string, flags: RunFlags): Promise<void> {
  const protocol = protocolFor(flags);
  const boxMode = flags.boxes ?? (flags.protocol ? 'all' : 'largest');
  const dataset = await readDataset(resolve(root), {
    ...(flags.split === undefined ? {} : { split: flags.split }),
    ...(flags.labels === undefined ? {} : { labels: flags.labels }),
  });
  let items: DatasetItem[] = dataset.items;
  if (flags.limit !== undefined) items = items.slice(0, flags.limit);
  if (items.length === 0) throw new UsageError('E_USAGE', `no images in ${root}`);

  const labels: Labels | undefined = flags.labels ? await readLabels(flags.labels) : undefined;
  const nameOf = (c: number) => labels?.nameOf(c) ?? dataset.classNames?.[c];
  const lookup = labels ? (name: string) => labels.indexOf(name) : undefined;
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
  const out = flags.out ?? join('runs', dataset.root.split('/').filter(Boolean).pop() ?? 'run');
  await assertArtifactFolders(flags.saveCams, overlayFolder(flags.overlays, out));
  const model = await CamModel.load(flags.model, modelOptionsFromFlags(flags, { preprocess }));
  assertLabelsFitModel(labels, flags.labels, model);
  const config = await buildRunConfig({
    flags,
    dataset,
    protocol,
    boxes: boxMode,
    normalization,
    preprocess,
    model,
  });
  const runDir = await RunDirectory.open(out, config, {
    checkResume: (previous) => assertSameRun(previous, config, out),
    resume: flags.resume === true,
    overwrite: flags.overwrite === true,
    command: 'run',
    resumeHint: resumeCommand(process.argv.slice(2)),
  });
  const evaluator = new ImageEvaluator(model, protocol, {
    threshold: parseThreshold(flags.threshold),
    mode: boxMode,
    connectivity: Number(flags.connectivity) as 4 | 8,
    minArea: flags.minArea,
    method: flags.method,
    normalization,
    ...(flags.scoreCamChannels === undefined ? {} : { maxChannels: flags.scoreCamChannels }),
  });
  const overlayDir = overlayFolder(flags.overlays, out);

  const todo = items.filter((item) => !runDir.has(item.id));
  if (runDir.done.size > 0) process.stderr.write(`run: resuming, ${runDir.done.size} images already done\n`);
  const progress = new Progress({ total: todo.length, label: 'run' });
  try {
    await streamInferences(model, todo, { batchSize: flags.batch ?? 8 }, async (outcome) => {
      const { item } = outcome;
      let record: RunRecord;
      if (!outcome.ok) {
        record = { id: item.id, file: item.file, status: 'error', error: describeError(outcome.error) };
      } else {
        const started = performance.now();
        try {
          const result = await evaluator.evaluate(outcome.inference, item, nameOf);
          const extraTargets = [];
          const classes = resolveTargets(target, outcome.inference.scores, item.classIndex);
          for (const [t, classIndex] of classes.entries()) {
            const map = await evaluator.mapOf(outcome.inference, classIndex, result);
            if (flags.saveCams !== undefined) {
              const id = t === 0 ? item.id : `${item.id}.class${classIndex}`;
              await saveCam(
                flags.saveCams,
                id,
                mapAtSize(map, flags.camSize, outcome.inference.prepared.geometry, protocol.upsample),
              );
            }
            if (
              t > 0 ||
              (classIndex !== result.predicted.class && classIndex !== result.groundTruth?.class)
            ) {
              extraTargets.push(evaluator.classResult(outcome.inference, classIndex, map, item, nameOf));
            }
          }
          if (overlayDir !== undefined) {
            const shown = result.groundTruth ?? result.predicted;
            const { image, geometry } = outcome.inference.prepared;
            const map = await evaluator.mapOf(outcome.inference, shown.class, result);
            await saveOverlay(
              overlayDir,
              item.id,
              renderOverlay(image, map, geometry, shown.boxes.map(toBox), item.boxes),
            );
          }
          record = {
            ...result.record,
            ...(extraTargets.length > 0 ? { targets: extraTargets } : {}),
            timing: { ...outcome.timing, camMs: performance.now() - started },
          };
        } catch (error) {
          record = { id: item.id, file: item.file, status: 'error', error: describeError(error) };
        }
      }
      runDir.append(record);
      if (record.status === 'error') process.stderr.write(`cam-localize: ${item.file}: ${record.error}\n`);
      progress.tick(record.status === 'ok');
    });
  } finally {
    progress.finish();
    runDir.close();
  }

  const summary = await buildReports(runDir.path, {
    render: galleryRenderer(model, evaluator),
    galleryCount: flags.report ? flags.gallery : 0,
    writeReports: flags.report,
  });
  runDir.release();
  await model.release();
  printSummary(summary, { seconds: progress.elapsedSeconds, images: todo.length, provider: model.provider });
  if (summary.metrics.images.failed > 0) process.exitCode = 1;
  if (flags.json) process.stdout.write(`${JSON.stringify(summary.metrics, null, 2)}\n`);
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

const toBox = ([x0, y0, x1, y1]: [number, number, number, number]) => ({ x0, y0, x1, y1 });
