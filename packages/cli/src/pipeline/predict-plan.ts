/**
 * `predict`'s plan for the image-run session: image files, folders or globs without ground truth,
 * a run folder only with --out, and the results on stdout as JSON lines or a table (with --out and
 * without --json, only in the folder).
 */
import { basename, dirname, relative } from 'node:path';
import {
  type CamModel,
  type CamOnDevice,
  imagenetLabels,
  type Labels,
  type PreprocessOverrides,
} from '@cam-localize/core';
import { preprocessFromFlags } from '../options.js';
import { assertBuiltInNameFits, classNamesFor } from './class-names.js';
import { stdoutClosed, untilStdoutCloses } from './closed-stdout.js';
import { discoverImages } from './discover.js';
import type { CamChoice, ImageRunFlags, ImageRunPlan, RecordOutput, SessionStart } from './image-run-plan.js';
import type { CommonWork, ImageRecord, PredictWork, WorkItem } from './image-work-settings.js';
import { exitOnInterrupt, resumeCommand } from './interrupt.js';
import { predictTarget } from './model-checks.js';
import type { Progress } from './progress.js';
import { describePredictStdout, type PredictStdout, predictStdout, ResultTable } from './result-table.js';
import { RunDirectory } from './run-dir.js';
import { assertSameShard, type ShardRecord } from './shard.js';

export type PredictFlags = ImageRunFlags;

export class PhotoPredict implements ImageRunPlan<PredictWork, RunDirectory | undefined> {
  readonly command = 'predict';
  readonly preprocess: PreprocessOverrides;
  readonly fillGridMaps = false;
  readonly camOnDevice: CamOnDevice;
  readonly output: PredictOutput;

  private constructor(
    private readonly patterns: readonly string[],
    private readonly flags: PredictFlags,
    readonly items: readonly WorkItem[],
  ) {
    this.preprocess = preprocessFromFlags(flags);
    this.camOnDevice = flags.camOnDevice;
    this.output = new PredictOutput(flags);
  }

  get out(): string | undefined {
    return this.flags.out;
  }

  /** Finds the images (each file once, however many links name it), --limit applied. */
  static async open(patterns: readonly string[], flags: PredictFlags): Promise<PhotoPredict> {
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
    return new PhotoPredict(patterns, flags, items);
  }

  probeImages() {
    return this.items.map((item) => ({ file: item.file }));
  }

  /** Without --labels a class name is looked up among the built-in ImageNet names (checked in classNames). */
  camChoice(labels: Labels | undefined): CamChoice {
    const { flags } = this;
    const target = predictTarget(flags.target, (name) => (labels ?? imagenetLabels()).indexOf(name));
    return { target, normalization: flags.normalize ?? 'relu-minmax', boxes: flags.boxes ?? 'largest' };
  }

  classNames(model: CamModel, labels: Labels | undefined, cam: CamChoice) {
    const classNames = classNamesFor(model.head.numClasses, { labels });
    if (labels === undefined) assertBuiltInNameFits(this.flags.target, cam.target, model.head.numClasses);
    return classNames;
  }

  async openRunDirectory(
    _opened: unknown,
    shard: ShardRecord | undefined,
  ): Promise<RunDirectory | undefined> {
    const { flags } = this;
    const out = flags.out;
    if (out === undefined) return undefined;
    return await RunDirectory.open(
      out,
      { command: 'predict', patterns: this.patterns, ...flags, ...(shard ? { shard } : {}) },
      {
        checkResume: (previous) => assertSameShard((previous as { shard?: ShardRecord }).shard, shard, out),
        resume: flags.resume === true,
        command: 'predict',
        resumeHint: resumeCommand(process.argv.slice(2)),
      },
    );
  }

  work(common: CommonWork): PredictWork {
    return { command: 'predict', ...common };
  }
}

/** Where predict's records go besides --out: JSON lines or a table on stdout, or nowhere. */
class PredictOutput implements RecordOutput<RunDirectory | undefined> {
  private stdout: PredictStdout = 'none';
  private table: ResultTable | undefined;

  constructor(private readonly flags: { readonly json?: boolean; readonly out?: string }) {}

  announce(start: SessionStart<RunDirectory | undefined>): (() => void) | undefined {
    const { todo, runDir } = start;
    this.stdout = predictStdout(this.flags, process.stdout.isTTY === true);
    process.stderr.write(
      `cam-localize: ${describePredictStdout(this.stdout, runDir?.file(RunDirectory.RESULTS))}\n`,
    );
    if (this.stdout === 'table')
      this.table = new ResultTable(
        todo.map((item) => item.id),
        start.scoreKind,
      );
    // Without a run folder nothing is kept for --resume: Ctrl-C says how to keep one.
    return runDir === undefined
      ? exitOnInterrupt(() => 'pass --out <dir> to keep a run that --resume can continue')
      : undefined;
  }

  header(progress: Progress): void {
    if (this.table) progress.printAbove(process.stdout, this.table.header());
  }

  show(record: ImageRecord, progress: Progress): void {
    if (this.stdout === 'jsonl' && !stdoutClosed()) process.stdout.write(`${JSON.stringify(record)}\n`);
    if (this.table) progress.printAbove(process.stdout, this.table.row(record));
  }

  /** A reader that closes stdout (`| head`) stops the images: those in flight still finish. */
  feed(todo: readonly WorkItem[]): Iterable<WorkItem> {
    return untilStdoutCloses(todo);
  }
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
