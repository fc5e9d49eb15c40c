/**
 * The image-run session `run` and `predict` both drive: the images (sharded), the model and its
 * checks, the run folder, the per-image work, the streaming pipeline, and each record kept in
 * input order (results.jsonl, grid-maps.jsonl, the prediction check, the progress line). What
 * differs between the commands is their plan's (image-run-plan.ts). A command opens a session,
 * runs its images, reports what it likes, and closes it:
 *
 *   const session = await ImageRunSession.open(plan, flags, early);
 *   try { const ended = await session.runImages(); ... } finally { await session.close(); }
 */
import { type CamModel, readLabels } from '@cam-localize/core';
import { parseThreshold } from '@cam-localize/localize';
import { camOptionsFromFlags, pipelineOptionsFromFlags } from '../options.js';
import { assertArtifactFolders, overlayFolder } from './artifacts.js';
import type { EarlyWorkers } from './early-workers.js';
import { GridMapsWriter } from './grid-maps.js';
import type { ImageRunFlags, ImageRunPlan } from './image-run-plan.js';
import type { CommonWork, ImageRecord, ImageWork, WorkItem } from './image-work-settings.js';
import { PredictionCheck } from './prediction-check.js';
import { preprocessRan } from './preprocess-provenance.js';
import { Progress } from './progress.js';
import type { RunDirectory } from './run-dir.js';
import { openSessionModel } from './session-model.js';
import { selectShard, shardFromFlags, writeDatasetIds } from './shard.js';
import { ImagePipeline } from './stream.js';

/** What a session's images came to. */
export interface SessionEnd {
  /** Images the pipeline delivered (fewer than asked when predict's reader closed stdout). */
  readonly images: number;
  readonly failed: number;
  readonly seconds: number;
  /** The pipeline's own line: img/s, provider, batch, workers, CPU core-ms per image. */
  readonly throughput: string;
}

/** The images a session runs, and the finished ones among them that run for their grid maps only. */
interface Todo {
  readonly todo: readonly WorkItem[];
  readonly filling: ReadonlySet<string>;
}

export class ImageRunSession<Work extends ImageWork, Folder extends RunDirectory | undefined> {
  private constructor(
    private readonly plan: ImageRunPlan<Work, Folder>,
    private readonly flags: ImageRunFlags,
    readonly model: CamModel,
    readonly runDir: Folder,
    readonly work: Work,
    private readonly images: Todo & { readonly retried: number },
    private readonly gridMaps: GridMapsWriter | undefined,
    private readonly check: PredictionCheck,
    private readonly pipeline: ImagePipeline,
    private readonly stopAnnouncing: (() => void) | undefined,
  ) {}

  /** This session's images: those not finished in the run folder (and --fill-grid-maps' ones). */
  get todo(): readonly WorkItem[] {
    return this.images.todo;
  }

  /** Images whose failure in an earlier session runs again. */
  get retried(): number {
    return this.images.retried;
  }

  /** Everything before the first image: settings, model, run folder, work, and the pipeline started. */
  static async open<Work extends ImageWork, Folder extends RunDirectory | undefined>(
    plan: ImageRunPlan<Work, Folder>,
    flags: ImageRunFlags,
    early: EarlyWorkers,
  ): Promise<ImageRunSession<Work, Folder>> {
    const shard = shardFromFlags(flags, process.env);
    const sharded = shard ? selectShard(plan.items, shard) : undefined;
    const labels = flags.labels ? await readLabels(flags.labels) : undefined;
    const camOptions = camOptionsFromFlags(flags);
    const cam = plan.camChoice(labels);
    const threshold = parseThreshold(flags.threshold);
    const overlayDir = overlayFolder(flags.overlays, plan.out ?? '.');
    await assertArtifactFolders(flags.saveCams, overlayDir);
    const opened = await openSessionModel(plan, flags, {
      cam,
      camOptions,
      ...(labels === undefined ? {} : { labels }),
    });
    const { model } = opened;
    const runDir = await plan.openRunDirectory(opened, sharded?.record);
    if (runDir !== undefined && sharded !== undefined)
      await writeDatasetIds(
        runDir.path,
        plan.items.map((item) => item.id),
      );
    const common: CommonWork = {
      method: flags.method,
      normalization: cam.normalization,
      camOptions,
      target: cam.target,
      threshold,
      mode: cam.boxes,
      connectivity: Number(flags.connectivity) === 4 ? 4 : 8,
      minArea: flags.minArea,
      ...(flags.saveCams === undefined ? {} : { saveCams: { dir: flags.saveCams, size: flags.camSize } }),
      ...(overlayDir === undefined
        ? {}
        : { overlayDir, overlayStyle: { colormap: flags.colormap, alpha: flags.alpha } }),
      classNames: opened.classNames.names,
      gridMaps: runDir !== undefined && flags.gridMaps,
      scores: {
        model: model.scoreKind,
        recorded: flags.scores === 'probability' ? 'probability' : model.scoreKind,
      },
    };
    const work = plan.work(common, model);
    const gridMaps =
      work.gridMaps && runDir !== undefined
        ? await GridMapsWriter.open(runDir.path, flags.resume !== true)
        : undefined;
    const images = todoOf(sharded?.items ?? plan.items, runDir, plan.fillGridMaps ? gridMaps : undefined);
    const retried = images.todo.filter((item) => runDir?.retrying.has(item.id) === true).length;
    const stopAnnouncing = plan.output.announce({
      todo: images.todo,
      runDir,
      retried,
      scoreKind: work.scores.recorded,
    });
    const pipeline = await ImagePipeline.start(
      model,
      work,
      pipelineOptionsFromFlags(flags, model.provider, overlayDir !== undefined),
      early,
    );
    const preset = preprocessRan(model, flags, { choice: opened.presetChoice }).preset;
    const check = new PredictionCheck(flags.model, `preset ${preset}`);
    return new ImageRunSession(
      plan,
      flags,
      model,
      runDir,
      work,
      { ...images, retried },
      gridMaps,
      check,
      pipeline,
      stopAnnouncing,
    );
  }

  /** Runs the images through the pipeline, keeping each record in input order as it comes. */
  async runImages(): Promise<SessionEnd> {
    const { plan, pipeline } = this;
    const progress = new Progress({
      total: this.todo.length,
      label: plan.command,
      intervalSeconds: this.flags.progressInterval,
    });
    plan.output.header?.(progress);
    let failed = 0;
    try {
      await pipeline.run(plan.output.feed?.(this.todo) ?? this.todo, (record, item) => {
        if (this.keep(record, item, progress) && record.status === 'error') failed++;
        progress.tick(record.status === 'ok');
      });
    } finally {
      progress.finish();
      this.gridMaps?.close();
      this.runDir?.close();
      this.stopAnnouncing?.();
      await pipeline.close();
    }
    const { images, seconds } = pipeline.stats;
    return { images, failed, seconds, throughput: pipeline.describeStats() };
  }

  /**
   * Keeps one record: its grid maps to grid-maps.jsonl, the rest to results.jsonl and the
   * command's output; false for a --fill-grid-maps image, whose record is already kept.
   */
  private keep(record: ImageRecord, item: WorkItem, progress: Progress): boolean {
    const kept = this.gridMaps === undefined ? record : this.gridMaps.take(record);
    if (this.images.filling.has(item.id)) return false;
    this.runDir?.append(kept);
    this.plan.output.show?.(kept, progress);
    if (record.status === 'error')
      progress.printAbove(process.stderr, `cam-localize: ${item.file}: ${record.error}\n`);
    this.check.observe(kept);
    return true;
  }

  /** Gives the run folder back to other writers and ends the model's session. */
  async close(): Promise<void> {
    this.runDir?.release();
    await this.model.release();
  }
}

/** The images not finished in the run folder, and with `filling` those finished without grid maps. */
function todoOf(
  items: readonly WorkItem[],
  runDir: RunDirectory | undefined,
  filling: GridMapsWriter | undefined,
): Todo {
  const refill = new Set<string>();
  const todo = items.filter((item) => {
    if (runDir === undefined || !runDir.has(item.id)) return true;
    if (filling === undefined || filling.stored.has(item.id)) return false;
    refill.add(item.id);
    return true;
  });
  return { todo, filling: refill };
}
