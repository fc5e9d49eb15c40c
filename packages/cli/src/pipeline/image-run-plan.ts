/**
 * What `run` and `predict` do differently around the image-run session they share
 * (image-run-session.ts): where the images come from, how the CAM settings and class names are
 * chosen, the run folder, the command's own work settings, and what it shows of each record.
 * Each command gives one plan (run-plan.ts, predict-plan.ts); the session does the rest the same.
 */
import type {
  CamModel,
  CamOnDevice,
  Labels,
  Normalization,
  PreprocessOverrides,
  ProbeImage,
  ScoreKind,
  TargetSpec,
} from '@cam-localize/core';
import type { BoxMode } from '@cam-localize/localize';
import type { CamFlags, LocalizeFlags, ModelFlags, ShardFlags } from '../options.js';
import type { CamSize, OverlayStyle } from './artifacts.js';
import type { ClassNames } from './class-names.js';
import type { CommonWork, ImageRecord, ImageWork, WorkItem } from './image-work-settings.js';
import type { PresetChoice } from './preprocess-provenance.js';
import type { Progress } from './progress.js';
import type { RunDirectory } from './run-dir.js';
import type { ShardRecord } from './shard.js';

/** The flags `run` and `predict` share; each command's own are its plan's. */
export interface ImageRunFlags extends ModelFlags, CamFlags, LocalizeFlags, ShardFlags {
  out?: string;
  resume?: boolean;
  limit?: number;
  saveCams?: string;
  camSize: CamSize;
  overlays?: string | boolean;
  json?: boolean;
  progressInterval: number;
  colormap: OverlayStyle['colormap'];
  alpha: number;
  gridMaps: boolean;
}

/** The CAM settings of every image, as a command derives them from its flags. */
export interface CamChoice {
  readonly target: TargetSpec;
  readonly normalization: Normalization;
  readonly boxes: BoxMode;
}

/** The model as the session loaded it (session-model.ts). */
export interface OpenedModel {
  readonly model: CamModel;
  /** --preset auto's choice, where it chose. */
  readonly presetChoice?: PresetChoice;
  readonly classNames: ClassNames;
}

/** The images about to run. */
export interface SessionStart<Folder extends RunDirectory | undefined> {
  /** This session's images: not finished in the run folder (and --fill-grid-maps' ones). */
  readonly todo: readonly WorkItem[];
  readonly runDir: Folder;
  /** Images whose failure in an earlier session is tried again. */
  readonly retried: number;
  /** What the records' class scores are (predict's table heads its column with it). */
  readonly scoreKind: ScoreKind;
}

/** What a command says about its images and shows of each record, besides results.jsonl. */
export interface RecordOutput<Folder extends RunDirectory | undefined> {
  /** Before the pipeline starts; returns what undoes what it set up (predict: its Ctrl-C handler). */
  announce(start: SessionStart<Folder>): (() => void) | undefined;
  /** Once the progress line exists (predict's table header). */
  header?(progress: Progress): void;
  /** Each kept record, in input order (predict's stdout). */
  show?(record: ImageRecord, progress: Progress): void;
  /** The images fed to the pipeline (predict stops when its reader closes stdout). */
  feed?(todo: readonly WorkItem[]): Iterable<WorkItem>;
}

export interface ImageRunPlan<Work extends ImageWork, Folder extends RunDirectory | undefined> {
  readonly command: Work['command'];
  /** The images in input order, --limit applied; the shard is taken from these. */
  readonly items: readonly WorkItem[];
  /** The run folder: run's --out (or runs/<dataset>), predict's --out; undefined: stdout only. */
  readonly out: string | undefined;
  /** The preprocessing laid over the flags' and each probed preset's (a protocol's fixed resize). */
  readonly preprocess: PreprocessOverrides;
  /** --cam-on-device as the command may use it. */
  readonly camOnDevice: CamOnDevice;
  /** --fill-grid-maps: finished images without grid maps go through again, for their maps only. */
  readonly fillGridMaps: boolean;
  /** The images --preset auto's probe reads. */
  probeImages(): readonly ProbeImage[];
  /** The target, normalisation and box mode, once the --labels class list is read. */
  camChoice(labels: Labels | undefined): CamChoice;
  /** The class names records carry, after the command's checks of its target against the model. */
  classNames(model: CamModel, labels: Labels | undefined, cam: CamChoice): ClassNames;
  /** Opens (or resumes) the run folder, config.json written; `shard`: the part this run takes. */
  openRunDirectory(opened: OpenedModel, shard: ShardRecord | undefined): Promise<Folder>;
  /** The command's per-image work from the shared settings; refuses bad settings before any image. */
  work(common: CommonWork, model: CamModel): Work;
  readonly output: RecordOutput<Folder>;
}
