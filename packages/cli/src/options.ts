/**
 * The flags several commands share, declared once: model and preprocessing, CAM, localization
 * and output. Each `add*Options` adds flags to a command; each `*FromFlags` turns parsed flags
 * into the library's option objects, with usage errors that name the flag.
 */
import {
  CAM_COMPATS,
  CAM_METHOD_NAMES,
  CAM_METHODS,
  CAM_ON_DEVICE_MODES,
  type CamCompat,
  type CamMethodName,
  type CamMethodOptions,
  type CamModelOptions,
  type CamOnDevice,
  createCamMethod,
  DEVICES,
  type Device,
  type HeadOverrides,
  type LayerRequest,
  NORMALIZATIONS,
  type Normalization,
  PRESET_NAMES,
  type PreprocessOverrides,
  parseDevice,
  parsePreprocessOverrides,
  RESIZE_ENGINES,
  type ResizeEngine,
  UsageError,
} from '@cam-localize/core';
import {
  checkWorkerCount,
  DEFAULT_MAX_BATCH_PIXELS,
  DEFAULT_MAX_INPUT_PIXELS,
  defaultPoolSize,
} from '@cam-localize/core/workers';
import {
  BOX_MODES,
  type BoxMode,
  DEFAULT_THRESHOLD,
  formatThreshold,
  parseThreshold,
} from '@cam-localize/localize';
import { type Command, Option } from 'commander';

export interface ModelFlags extends HeadFlags {
  model: string;
  labels?: string;
  preset?: string;
  resize?: string;
  resizeMode?: 'shorter' | 'exact';
  crop?: string;
  mean?: string;
  std?: string;
  channelOrder?: 'rgb' | 'bgr';
  scale?: string;
  interpolation?: 'bilinear' | 'bicubic' | 'nearest';
  device: Device;
  threads?: number;
  batch?: number;
  maxPixels?: number;
  maxInputPixels?: number;
  maxBatchPixels?: number;
  allowSvg?: boolean;
  workers?: number;
  nullForward?: boolean;
  resizeEngine?: ResizeEngine;
}

export interface CamFlags {
  /** What records, tables and overlays give as class scores: the model's own, or probabilities. */
  scores: 'raw' | 'probability';
  method: CamMethodName;
  compat: CamCompat;
  camOnDevice: CamOnDevice;
  target: string;
  normalize?: Normalization;
  scoreCamChannels?: number;
  camSamples?: number;
  camSigma?: number;
}

export interface LocalizeFlags {
  threshold: string;
  /** Unset: 'largest' in the tool's mode, 'all' (MaxBoxAccV2) under --protocol wsolevaluation. */
  boxes?: BoxMode;
  connectivity: '4' | '8';
  minArea: number;
}

/**
 * `--workers` of run, predict and eval, one definition: worker threads doing `work`, 0 for none
 * (all on the main thread), default core's `defaultPoolSize()`.
 */
export function workersOption(work: string): Option {
  return new Option(
    '--workers <n>',
    `${work} (default: max(2, cores - 1) = ${defaultPoolSize()}; 0: all on the main thread)`,
  ).argParser((v) => checkWorkerCount(nonNegativeInteger('--workers')(v), '--workers'));
}

/** Worker threads: --workers, or one per core but one (at least 2). */
export function workersFromFlags(flags: { workers?: number }): number {
  return flags.workers ?? defaultPoolSize();
}

/** The pipeline's options from the model flags (what run and predict share). */
export function pipelineOptionsFromFlags(
  flags: ModelFlags,
  provider: string,
  keepImages: boolean,
): {
  workers: number;
  batchSize: number;
  keepImages: boolean;
  maxPixels?: number;
  maxBatchPixels?: number;
  allowSvg?: boolean;
  resizeEngine?: ResizeEngine;
} {
  return {
    workers: workersFromFlags(flags),
    batchSize: batchFor(flags, provider),
    keepImages,
    ...(flags.maxPixels === undefined ? {} : { maxPixels: flags.maxPixels }),
    ...(flags.maxBatchPixels === undefined ? {} : { maxBatchPixels: flags.maxBatchPixels }),
    ...(flags.allowSvg === true ? { allowSvg: true } : {}),
    ...(flags.resizeEngine === undefined ? {} : { resizeEngine: flags.resizeEngine }),
  };
}

/** Images per forward pass when --batch is not given: GPUs want larger batches than the CPU. */
export const DEFAULT_BATCH = { cpu: 8, cuda: 32, webgpu: 32 } as const;

/** The batch for a session on `provider` (the flag wins). */
export function batchFor(flags: { batch?: number }, provider: string): number {
  return flags.batch ?? DEFAULT_BATCH[provider as keyof typeof DEFAULT_BATCH] ?? DEFAULT_BATCH.cpu;
}

export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${name} expects a positive integer, got '${value}'`);
    return n;
  };
}

/** `--shard K/N|auto` and `--shard-count N`, shared by run and predict. */
export interface ShardFlags {
  shard?: string;
  shardCount?: number;
}

export function addShardOptions(command: Command): Command {
  return command
    .option(
      '--shard <K/N|auto>',
      'take shard K of N (1-based: 1/4 ... 4/4), split by a hash of the image id; auto: from SLURM_ARRAY_TASK_ID/COUNT/MIN or JOB_COMPLETION_INDEX',
    )
    .option(
      '--shard-count <n>',
      'shards for --shard auto under a Kubernetes Indexed Job (else CAM_LOCALIZE_SHARD_COUNT)',
      positiveInteger('--shard-count'),
    );
}

export function addModelOptions(command: Command, { required = true } = {}): Command {
  const model = new Option('--model <onnx>', 'the ONNX classifier');
  if (required) model.makeOptionMandatory();
  command
    .addOption(model)
    .option('--labels <file>', 'class names, one per line (optional wnid prefix)')
    .addOption(
      new Option(
        '--preset <name>',
        "preprocessing preset (default: imagenet, or what the model's metadata or <model>.preprocess.json says, or, for a model not exported by PyTorch, another preset the probe of the first 32 images finds clearly better: auto; README: Preprocessing presets)",
      ).choices([...PRESET_NAMES, 'auto']),
    )
    .option('--resize <size>', 'resize: shorter side N, or WxH for an exact resize')
    .addOption(new Option('--resize-mode <mode>', 'how --resize N applies').choices(['shorter', 'exact']))
    .option('--crop <size>', 'centre crop N or WxH, or none')
    .option('--mean <r,g,b>', 'per-channel mean, in units of pixel*scale (0..1 for torchvision)')
    .option('--std <r,g,b>', 'per-channel std, same units as --mean')
    .addOption(new Option('--channel-order <order>', 'tensor channel order').choices(['rgb', 'bgr']))
    .option('--scale <x>', 'pixel multiplier before mean/std (1/255 or 1)')
    .addOption(
      new Option('--interpolation <kind>', 'resize filter').choices(['bilinear', 'bicubic', 'nearest']),
    )
    .addOption(
      new Option('--device <device>', `execution provider: ${DEVICES.join(', ')}, or cuda:N (GPU id N)`)
        .argParser(parseDevice)
        .default('auto'),
    )
    .option('--threads <n>', 'intra-op threads of the session', positiveInteger('--threads'))
    .option(
      '--batch <n>',
      `images per forward pass (default ${DEFAULT_BATCH.cpu} on the CPU, ${DEFAULT_BATCH.cuda} on a GPU; a fixed-batch model runs in batches of its own size, the last one filled)`,
      positiveInteger('--batch'),
    )
    .addOption(workersOption('threads that decode images and post-process maps'))
    .addOption(
      new Option(
        '--resize-engine <engine>',
        'who resizes images: pil (Pillow-exact, default: parity with PyTorch) or vips (libvips, faster)',
      ).choices([...RESIZE_ENGINES]),
    )
    .option(
      '--null-forward',
      'benchmarking: run the model on the first batch only and replay its outputs (the cost of all but the model)',
    )
    .option(
      '--feature-tensor <name>',
      'use this tensor as the CAM feature map (when detection fails); for gradient methods, the layer to explain',
    )
    .option(
      '--layer <name>',
      'gradient methods: the layer to explain, a tensor or a node-name prefix such as /layer3/ (repeat for Layer-CAM fusion)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--channels-last', 'the layer is [N,H,W,C] (guessed from its shape when not given)')
    .option('--classifier-weights <name>', 'initializer [C,K] of the linear classifier over the feature map')
    .option('--classifier-bias <name>', 'initializer [C] of the classifier bias');
  addTokenOptions(command);
  return command
    .option('--max-pixels <n>', 'refuse images larger than this many pixels', positiveInteger('--max-pixels'))
    .option(
      '--max-input-pixels <n>',
      `refuse a model whose input (declared, or set by the preprocessing) is larger than this many pixels (default ${DEFAULT_MAX_INPUT_PIXELS} = 2048x2048)`,
      positiveInteger('--max-input-pixels'),
    )
    .option(
      '--max-batch-pixels <n>',
      `refuse a batch whose inputs together (batch x input pixels) are more than this (default ${DEFAULT_MAX_BATCH_PIXELS} = 32 x 1024x1024)`,
      positiveInteger('--max-batch-pixels'),
    )
    .option(
      '--allow-svg',
      'read SVG images (refused by default, whatever the file is named), rendered at the size the preprocessing needs',
    );
}

/** The flags that name a head by hand (model options, and `inspect`). */
export interface HeadFlags {
  featureTensor?: string;
  /** `--layer`, repeatable: the layers a gradient method explains. */
  layer?: string[];
  channelsLast?: boolean;
  classifierWeights?: string;
  classifierBias?: string;
  /** Token features: `HxW` of the patch-token grid. */
  tokenGrid?: string;
  skipTokens?: number;
}

/** `--token-grid` and `--skip-tokens`: how a transformer's token tensor [N,T,C] makes a grid. */
export function addTokenOptions(command: Command): Command {
  return command
    .option(
      '--token-grid <HxW>',
      'transformers: the patch tokens of --feature-tensor [N,T,C] make an HxW grid (default: from the patch embedding)',
    )
    .option(
      '--skip-tokens <k>',
      'transformers: leading class/distillation tokens to drop before the grid (default: T - H*W)',
      nonNegativeInteger('--skip-tokens'),
    );
}

/** `--interval`: the spacing of the thresholds swept, a number in (0, 0.5]. */
export function thresholdInterval(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 0.5) || value.trim() === '')
    throw new UsageError(`--interval expects a number in (0, 0.5], got '${value}'`);
  return n;
}

export function nonNegativeInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || value.trim() === '')
      throw new UsageError(`${name} expects a whole number >= 0, got '${value}'`);
    return n;
  };
}

/** `--token-grid HxW` (or N for NxN) as [height, width]. */
export function parseTokenGrid(text: string): [number, number] {
  const match = /^(\d+)(?:x(\d+))?$/.exec(text.trim());
  const height = Number(match?.[1]);
  const width = match?.[2] === undefined ? height : Number(match[2]);
  if (!match || height < 1 || width < 1)
    throw new UsageError(`--token-grid expects HxW (e.g. 14x14) or N, got '${text}'`);
  return [height, width];
}

/** The library's head overrides from the head flags; undefined when none is given. */
export function headOverridesFromFlags(flags: HeadFlags): HeadOverrides | undefined {
  const head: HeadOverrides = {
    ...(flags.featureTensor === undefined ? {} : { featureTensor: flags.featureTensor }),
    ...(flags.classifierWeights === undefined ? {} : { classifierWeights: flags.classifierWeights }),
    ...(flags.classifierBias === undefined ? {} : { classifierBias: flags.classifierBias }),
    ...(flags.tokenGrid === undefined ? {} : { tokenGrid: parseTokenGrid(flags.tokenGrid) }),
    ...(flags.skipTokens === undefined ? {} : { skipTokens: flags.skipTokens }),
  };
  return Object.keys(head).length === 0 ? undefined : head;
}

export function addCamOptions(command: Command, defaults: { target?: string } = {}): Command {
  return command
    .addOption(
      new Option(
        '--method <name>',
        `CAM method (forward passes per image: ${CAM_METHOD_NAMES.filter((m) => CAM_METHODS[m].needs.includes('forward-passes')).join(', ')}; on token features also ${CAM_METHOD_NAMES.filter((m) => CAM_METHODS[m].withoutHead?.tokens?.includes('forward-passes')).join(', ')})`,
      )
        .choices(CAM_METHOD_NAMES)
        .default('cam'),
    )
    .addOption(
      new Option(
        '--compat <numbers>',
        "reproduce a library's numbers where it departs from the paper (README: CAM methods)",
      )
        .choices(CAM_COMPATS)
        .default('paper'),
    )
    .option(
      '--target <spec>',
      'predicted | gt | topk:K | <class index or name>',
      defaults.target ?? 'predicted',
    )
    .addOption(
      new Option(
        '--scores <kind>',
        "class scores in records, tables and overlays: raw (the model's own: logits, or probabilities after a final Softmax; each record says which) or probability (softmax applied to any model)",
      )
        .choices(['raw', 'probability'])
        .default('raw'),
    )
    .addOption(
      new Option(
        '--normalize <kind>',
        'score-map normalisation (default relu-minmax; minmax under --protocol)',
      ).choices([...NORMALIZATIONS]),
    )
    .addOption(
      new Option(
        '--cam-on-device <mode>',
        'compute the CAM inside the model graph, so features stay on the GPU (auto: on a GPU session)',
      )
        .choices([...CAM_ON_DEVICE_MODES])
        .default('auto'),
    )
    .option(
      '--score-cam-channels <n>',
      'Score-CAM: channels given a forward pass (default 128); ablationcam on token features: channels ablated (default all)',
      positiveInteger('--score-cam-channels'),
    )
    .option(
      '--cam-samples <n>',
      'sscam: noisy masks per channel (default 35); iscam: integration steps (default 10); smoothgradcampp --compat torch-cam: noisy passes (default 4)',
      positiveInteger('--cam-samples'),
    )
    .option(
      '--cam-sigma <x>',
      'sscam: standard deviation of the mask noise (default 2); smoothgradcampp --compat torch-cam: of the input noise (default 0.3)',
      nonNegative('--cam-sigma'),
    );
}

/** The CAM method's options from the flags; a usage error for a --compat the method lacks. */
export function camOptionsFromFlags(flags: CamFlags): CamMethodOptions {
  // Creating the method checks the pair up front: a usage error for a --compat the method lacks.
  createCamMethod(flags.method, { compat: flags.compat });
  return {
    ...(flags.compat === 'paper' ? {} : { compat: flags.compat }),
    ...(flags.scoreCamChannels === undefined ? {} : { maxChannels: flags.scoreCamChannels }),
    ...(flags.camSamples === undefined ? {} : { samples: flags.camSamples }),
    ...(flags.camSigma === undefined ? {} : { sigma: flags.camSigma }),
  };
}

function nonNegative(name: string) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !(x >= 0) || !Number.isFinite(x))
      throw new UsageError(`${name} expects a number >= 0, got '${value}'`);
    return x;
  };
}

/** `--threshold`, checked where it is parsed and kept as typed (the fingerprint canonicalises it). */
function thresholdFlag(text: string): string {
  try {
    parseThreshold(text);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(`--threshold: ${error.message}`, { hint: error.hint });
  }
  return text;
}

export function addLocalizeOptions(command: Command): Command {
  return command
    .option(
      '--threshold <spec>',
      'box threshold: fraction of max (0.2), abs:V, pNN, otsu, mean',
      thresholdFlag,
      formatThreshold(DEFAULT_THRESHOLD),
    )
    .addOption(
      new Option(
        '--boxes <mode>',
        'which boxes (default largest; under --protocol: all = MaxBoxAccV2, largest = the single-box V1)',
      ).choices(BOX_MODES),
    )
    .addOption(
      new Option('--connectivity <n>', 'pixel connectivity of components').choices(['4', '8']).default('8'),
    )
    .option(
      '--min-area <pixels>',
      'with --boxes all: smallest component kept',
      nonNegativeInteger('--min-area'),
      1,
    );
}

/** Preprocessing overrides from flags (a preset among them); unset flags leave the model's own. */
export function preprocessFromFlags(flags: ModelFlags): PreprocessOverrides {
  const raw: Record<string, unknown> = {};
  if (flags.preset !== undefined && flags.preset !== 'auto') raw.preset = flags.preset;
  if (flags.resize !== undefined) {
    const size = parseSize(flags.resize, '--resize');
    raw.resize =
      typeof size === 'number' ? { mode: flags.resizeMode ?? 'shorter', size } : { mode: 'exact', size };
  } else if (flags.resizeMode !== undefined) {
    throw new UsageError('--resize-mode needs --resize');
  }
  if (flags.crop !== undefined) raw.crop = flags.crop === 'none' ? null : parseSize(flags.crop, '--crop');
  if (flags.mean !== undefined) raw.mean = parseTriple(flags.mean, '--mean');
  if (flags.std !== undefined) raw.std = parseTriple(flags.std, '--std');
  if (flags.channelOrder !== undefined) raw.channelOrder = flags.channelOrder;
  if (flags.scale !== undefined) raw.scale = parseScale(flags.scale);
  if (flags.interpolation !== undefined) raw.interpolation = flags.interpolation;
  return parsePreprocessOverrides(raw, { kind: 'usage', label: flagOfPreprocessKey });
}

/** `--scale`: a positive number, or `1/255`. */
function parseScale(text: string): number {
  const x = text.trim() === '1/255' ? 1 / 255 : Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || x <= 0)
    throw new UsageError(`--scale expects a number > 0 (or 1/255), got '${text}'`);
  return x;
}

/** The flag a preprocessing key came from: `resize.size` from --resize, `channelOrder` from --channel-order. */
function flagOfPreprocessKey(key: string): string {
  const field = key.split(/[.[]/)[0]!;
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * What a gradient method asks of the model: the layers (`--layer`, or `--feature-tensor`), their
 * layout and token grid. Undefined for the other methods, whose `--layer` names the feature map.
 */
export function layerRequestFromFlags(
  flags: HeadFlags,
  method: CamMethodName | undefined,
): LayerRequest | undefined {
  if (method === undefined || CAM_METHODS[method].backprop !== true) return undefined;
  const layers = flags.layer ?? (flags.featureTensor === undefined ? undefined : [flags.featureTensor]);
  return {
    ...(layers === undefined ? {} : { layers }),
    ...(flags.channelsLast === true ? { layout: 'nhwc' as const } : {}),
    ...(flags.tokenGrid === undefined ? {} : { tokenGrid: parseTokenGrid(flags.tokenGrid) }),
    ...(flags.skipTokens === undefined ? {} : { skipTokens: flags.skipTokens }),
  };
}

/**
 * A method that needs nothing of the head (Eigen-CAM: the features alone) is not refused for want
 * of a linear one: without a named layer, a model with no GAP-linear head is explained at the layer
 * its pooling reads, as the gradient methods are (a detected head is used as it is).
 */
function headlessLayerRequest(flags: HeadFlags, method: CamMethodName | undefined): LayerRequest | undefined {
  if (method === undefined || CAM_METHODS[method].needs.length > 0) return undefined;
  return flags.layer === undefined && flags.featureTensor === undefined ? { featuresOnly: true } : undefined;
}

export function modelOptionsFromFlags(
  flags: ModelFlags,
  extra: { preprocess?: PreprocessOverrides; method?: CamMethodName } = {},
): CamModelOptions {
  const backprop = layerRequestFromFlags(flags, extra.method) ?? headlessLayerRequest(flags, extra.method);
  if ((flags.layer?.length ?? 0) > 1 && extra.method !== 'layercam') {
    throw new UsageError(`several --layer are fused by Layer-CAM only, not by ${extra.method ?? 'cam'}`, {
      hint: 'use --method layercam, or one --layer',
    });
  }
  // A gradient method's layer is not a head override: the head stays as detected (its closed form
  // serves the head's own features), the layer goes to the backward graph.
  const { featureTensor, ...others } = flags;
  const named = flags.layer?.[0] ?? featureTensor;
  const head = headOverridesFromFlags(
    backprop === undefined && named !== undefined ? { ...others, featureTensor: named } : others,
  );
  return {
    ...(backprop === undefined ? {} : { backprop }),
    device: flags.device,
    preprocess: extra.preprocess ?? preprocessFromFlags(flags),
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
    ...(head === undefined ? {} : { head }),
    ...(flags.maxPixels === undefined ? {} : { maxPixels: flags.maxPixels }),
    ...(flags.maxInputPixels === undefined ? {} : { maxInputPixels: flags.maxInputPixels }),
    ...(flags.allowSvg === true ? { allowSvg: true } : {}),
    ...(flags.nullForward ? { nullForward: true } : {}),
    ...(flags.resizeEngine === undefined ? {} : { resizeEngine: flags.resizeEngine }),
  };
}

function parseSize(text: string, flag: string): number | [number, number] {
  const match = /^(\d+)(?:x(\d+))?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} expects N or WxH, got '${text}'`);
  return match[2] === undefined ? Number(match[1]) : [Number(match[1]), Number(match[2])];
}

function parseTriple(text: string, flag: string): [number, number, number] {
  const parts = text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
  if (parts.length === 1) parts.push(parts[0]!, parts[0]!);
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v))) {
    throw new UsageError(`${flag} expects three numbers r,g,b, got '${text}'`);
  }
  return parts as [number, number, number];
}
