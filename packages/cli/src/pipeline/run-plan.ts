/**
 * `run`'s plan for the image-run session: a dataset's images (checked for ground truth, --limit),
 * the evaluation protocol and what it fixes (a resize, the GT class's map, the box mode), the
 * fingerprinted run folder that --resume and --shard rely on, and --faithfulness.
 */
import { join, resolve } from 'node:path';
import {
  type CamModel,
  type CamOnDevice,
  type Labels,
  type Normalization,
  type PreprocessOverrides,
  parseTarget,
  UsageError,
} from '@cam-localize/core';
import {
  type Dataset,
  type DatasetItem,
  type DeletionBaseline,
  type EvaluationProtocol,
  parseFaithfulnessList,
  readDataset,
  TOOL_DEFAULTS,
  WSOL_PROTOCOL,
} from '@cam-localize/eval';
import type { BoxMode } from '@cam-localize/localize';
import { preprocessFromFlags } from '../options.js';
import { classNamesFor } from './class-names.js';
import type { FaithfulnessWork } from './faithfulness-step.js';
import { checkedItems } from './ground-truth-check.js';
import { ImageEvaluator } from './image-evaluator.js';
import type { CamChoice, ImageRunFlags, ImageRunPlan, OpenedModel, RecordOutput } from './image-run-plan.js';
import type { CommonWork, RunWork } from './image-work-settings.js';
import { resumeCommand } from './interrupt.js';
import { checkRunRecord } from './record-schema.js';
import { assertSameRun, buildRunConfig } from './run-config.js';
import { RunDirectory } from './run-dir.js';
import type { ShardRecord } from './shard.js';

export interface RunFlags extends ImageRunFlags {
  protocol?: 'wsolevaluation';
  retryFailed: boolean;
  overwrite?: boolean;
  split?: 'train' | 'test' | 'all';
  gallery: number;
  report: boolean;
  allowOutsideRoot?: boolean;
  allowMissing?: boolean;
  faithfulness?: string;
  faithfulnessSteps: number;
  deletionBaseline: DeletionBaseline;
  fillGridMaps?: boolean;
}

export class DatasetRun implements ImageRunPlan<RunWork, RunDirectory> {
  readonly command = 'run';
  readonly out: string;
  readonly preprocess: PreprocessOverrides;
  readonly camOnDevice: CamOnDevice;
  readonly fillGridMaps: boolean;
  private readonly normalization: Normalization;
  private readonly boxes: BoxMode;
  private readonly faithfulness: FaithfulnessWork | undefined;
  private judge: ImageEvaluator | undefined;

  private constructor(
    private readonly flags: RunFlags,
    readonly protocol: EvaluationProtocol,
    private readonly dataset: Dataset,
    readonly items: readonly DatasetItem[],
  ) {
    this.boxes = flags.boxes ?? (flags.protocol ? 'all' : 'largest');
    this.normalization = flags.normalize ?? (protocol.relu ? 'relu-minmax' : 'minmax');
    this.preprocess = protocolPreprocess(protocol, preprocessFromFlags(flags));
    this.faithfulness = faithfulnessFromFlags(flags);
    // The faithfulness metrics need the plain forward pass: no CAMs in the graph.
    this.camOnDevice = this.faithfulness === undefined ? flags.camOnDevice : 'off';
    this.out = flags.out ?? join('runs', dataset.root.split('/').filter(Boolean).pop() ?? 'run');
    this.fillGridMaps = flags.fillGridMaps === true;
  }

  /** Reads the dataset: its images with their ground truth checked, --limit applied. */
  static async open(root: string, flags: RunFlags): Promise<DatasetRun> {
    const protocol = protocolFor(flags);
    const dataset = await readDataset(resolve(root), {
      ...(flags.split === undefined ? {} : { split: flags.split }),
      ...(flags.labels === undefined ? {} : { labels: flags.labels }),
      allowOutsideRoot: flags.allowOutsideRoot === true,
    });
    let items = checkedItems(dataset.items, 'run', flags.allowMissing === true).items;
    if (flags.limit !== undefined) items = items.slice(0, flags.limit);
    if (items.length === 0) throw new UsageError(`no images in ${root}`);
    return new DatasetRun(flags, protocol, dataset, items);
  }

  /** The whole dataset's first images, so that every shard and --limit make the same choice. */
  probeImages() {
    return this.dataset.items.map((item) => ({ file: item.file, label: item.classIndex }));
  }

  camChoice(labels: Labels | undefined): CamChoice {
    const lookup = labels ? (name: string) => labels.indexOf(name) : undefined;
    const { flags } = this;
    // Under --protocol every metric judges the ground-truth class's map.
    const target = parseTarget(flags.protocol && flags.target === 'predicted' ? 'gt' : flags.target, lookup);
    return { target, normalization: this.normalization, boxes: this.boxes };
  }

  classNames(model: CamModel, labels: Labels | undefined) {
    return classNamesFor(model.head.numClasses, { labels, datasetNames: this.dataset.classNames });
  }

  async openRunDirectory(opened: OpenedModel, shard: ShardRecord | undefined): Promise<RunDirectory> {
    const { flags, dataset, protocol, preprocess, faithfulness, out } = this;
    const { model, presetChoice } = opened;
    const config = {
      ...(await buildRunConfig({
        flags,
        dataset,
        protocol,
        boxes: this.boxes,
        normalization: this.normalization,
        preprocess,
        model,
        ...(presetChoice === undefined ? {} : { presetChoice }),
        ...(faithfulness === undefined ? {} : { faithfulness }),
      })),
      ...(shard ? { shard } : {}),
    };
    return await RunDirectory.open(out, config, {
      checkResume: (previous) => assertSameRun(previous, config, out),
      resume: flags.resume === true,
      overwrite: flags.overwrite === true,
      command: 'run',
      resumeHint: resumeCommand(process.argv.slice(2)),
      retryFailed: flags.retryFailed,
      recordCheck: checkRunRecord,
    });
  }

  work(common: CommonWork, model: CamModel): RunWork {
    const { faithfulness } = this;
    const work: RunWork = {
      command: 'run',
      protocol: this.protocol,
      ...common,
      ...(faithfulness === undefined ? {} : { faithfulness }),
    };
    // On the main thread for the report's gallery (and to refuse bad settings before any image).
    this.judge = new ImageEvaluator(model, this.protocol, work);
    return work;
  }

  /** The evaluator of the report's gallery, made with the work. */
  get evaluator(): ImageEvaluator {
    if (this.judge === undefined) throw new Error('the run has no work yet');
    return this.judge;
  }

  readonly output: RecordOutput<RunDirectory> = {
    announce: ({ runDir, retried }) => {
      if (runDir.done.size > 0 || retried > 0) {
        const again = retried > 0 ? `; running again ${retried} that failed` : '';
        process.stderr.write(`run: resuming, ${runDir.done.size} images already done${again}\n`);
      }
      return undefined;
    },
  };
}

/**
 * The evaluation protocol of a run. Under --protocol wsolevaluation, `--boxes largest` is the
 * paper's single-box variant (MaxBoxAcc V1: largest contour, IoU 50); otherwise MaxBoxAccV2.
 */
export function protocolFor(flags: { protocol?: string; boxes?: string }): EvaluationProtocol {
  if (flags.protocol !== 'wsolevaluation') return TOOL_DEFAULTS;
  if (flags.boxes === 'largest') return { ...WSOL_PROTOCOL, multiContour: false, iouThresholds: [50] };
  if (flags.boxes === 'merged')
    throw new UsageError('--protocol wsolevaluation takes --boxes all or largest');
  return WSOL_PROTOCOL;
}

/** The flags' preprocessing, with the protocol's fixed resize (and no crop) where it has one. */
function protocolPreprocess(protocol: EvaluationProtocol, flags: PreprocessOverrides): PreprocessOverrides {
  if (protocol.resize === 'preset') return flags;
  const size = [protocol.resize.width, protocol.resize.height] as const;
  return { ...flags, resize: { mode: 'exact', size }, crop: null };
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
      '--faithfulness runs the plain model: it cannot be combined with --cam-on-device on',
      { hint: 'use --cam-on-device auto or off' },
    );
  }
  return { metrics, steps: flags.faithfulnessSteps, deletionBaseline: flags.deletionBaseline, seed: 0 };
}
