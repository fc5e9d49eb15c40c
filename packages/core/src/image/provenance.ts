/**
 * Where each value of the preprocessing came from, and the preprocessing fitted to a model's fixed
 * input size. `resolvePreprocess` (config.ts) gives the values; this module gives the same values
 * with, per field, the layer that set it (the default, a preset, the model's metadata, the
 * `.preprocess.json` sidecar, the caller), and adapts a preset's crop to the model's input.
 */
import { UsageError } from '../errors.js';
import {
  applyOverrides,
  type PreprocessOverrides,
  preprocessFromMetadata,
  validatePreprocessConfig,
} from './config.js';
import { PREPROCESS_FIELDS, PRESETS, type PreprocessConfig, type ResizeConfig } from './presets.js';

export type PreprocessField = (typeof PREPROCESS_FIELDS)[number];

/**
 * Per field, who set it: `default (imagenet)`, `preset <name>`, `metadata`, `sidecar`, `caller`
 * (the options given to `CamModel.load`; the CLI names the flag), each followed by `, scaled to the
 * model input` or `, set to the model input` where the value was fitted.
 */
export type PreprocessSources = Readonly<Record<PreprocessField, string>>;

/** The preprocessing a model runs with, where each value came from, and what was adapted. */
export interface PreprocessProvenance {
  readonly sources: PreprocessSources;
  /** The sidecar file read, when one was. */
  readonly sidecarFile?: string;
  /** Whether the model's metadata said anything about preprocessing. */
  readonly fromMetadata: boolean;
  /** One sentence when the config was fitted to the model's input size (said once on stderr). */
  readonly adapted?: string;
}

interface Layer {
  readonly source: string;
  readonly overrides: PreprocessOverrides | null | undefined;
}

function setBy(layer: PreprocessOverrides, field: PreprocessField): boolean {
  return layer[field] !== undefined;
}

/** The effective config and the source of each field; the layers as `resolvePreprocess` orders them. */
export function resolvePreprocessWithSources(options: {
  metadata?: Readonly<Record<string, string>> | undefined;
  modelFile?: string | undefined;
  sidecar?: PreprocessOverrides | null | undefined;
  sidecarFile?: string | undefined;
  overrides?: PreprocessOverrides | null | undefined;
}): { config: PreprocessConfig; provenance: PreprocessProvenance } {
  const metadata = options.metadata ? preprocessFromMetadata(options.metadata, options.modelFile) : null;
  const layers: Layer[] = [
    { source: 'metadata', overrides: metadata },
    { source: 'sidecar', overrides: options.sidecar },
    { source: 'caller', overrides: options.overrides },
  ];
  const sources = Object.fromEntries(PREPROCESS_FIELDS.map((f) => [f, 'default (imagenet)'])) as Record<
    PreprocessField,
    string
  >;
  for (const { source, overrides } of layers) {
    if (!overrides) continue;
    if (overrides.preset !== undefined) {
      for (const f of PREPROCESS_FIELDS) sources[f] = `preset ${overrides.preset}`;
    }
    for (const f of PREPROCESS_FIELDS) if (setBy(overrides, f)) sources[f] = source;
  }
  const config = applyOverrides(PRESETS.imagenet, metadata, options.sidecar, options.overrides);
  validatePreprocessConfig(config, options.modelFile);
  return {
    config,
    provenance: {
      sources,
      fromMetadata: metadata !== null,
      ...(options.sidecar && options.sidecarFile !== undefined ? { sidecarFile: options.sidecarFile } : {}),
    },
  };
}

function formatSize([w, h]: readonly [number, number]): string {
  return w === h ? `${w}` : `${w}x${h}`;
}

function scaleResize(resize: ResizeConfig, ratio: number): ResizeConfig {
  const size = resize.size;
  return {
    mode: resize.mode,
    size:
      typeof size === 'number'
        ? Math.round(size * ratio)
        : [Math.round(size[0] * ratio), Math.round(size[1] * ratio)],
  };
}

/**
 * The config fitted to a model whose input is fixed at `input` ([width, height]):
 *  - an exact resize without a crop becomes an exact resize to the input (what `preprocess` does);
 *  - a crop of another size becomes the input size, and the resize is scaled by the same ratio
 *    (Resize(256) + CenterCrop(224) on a 192 model: Resize(219) + CenterCrop(192)), unless the crop
 *    was given by the caller (`cropFixed`), or the aspect ratios differ;
 *  - a shorter-side resize without a crop cannot give a fixed size.
 * Where it cannot fit, a UsageError naming --preset and --crop, before any image is read.
 */
export function fitToModelInput(
  config: PreprocessConfig,
  sources: PreprocessSources,
  input: readonly [number, number] | undefined,
  options: { cropFixed?: boolean; file?: string } = {},
): { config: PreprocessConfig; sources: PreprocessSources; adapted?: string } {
  if (input === undefined) return { config, sources };
  const [w, h] = input;
  const where = options.file === undefined ? {} : { file: options.file };
  const refuse = (gives: string): never => {
    throw new UsageError(`preprocessing gives ${gives} inputs but the model takes ${w}x${h}`, {
      ...where,
      hint: `give \`crop: ${formatSize(input)}\` (with a \`resize\` to match), or the \`preset\` the model was trained with (cam-localize inspect --probe <photos> compares them)`,
    });
  };
  if (config.crop === null) {
    if (config.resize.mode === 'shorter') refuse('variable-size (shorter-side resize, no crop)');
    const size = config.resize.size;
    const [rw, rh] = typeof size === 'number' ? [size, size] : size;
    if (rw === w && rh === h) return { config, sources };
    return {
      config: { ...config, resize: { mode: 'exact', size: [w, h] } },
      sources: { ...sources, resize: `${sources.resize}, set to the model input` },
    };
  }
  const [cw, ch] = config.crop;
  if (cw === w && ch === h) return { config, sources };
  if (options.cropFixed === true || cw * h !== ch * w) refuse(`${cw}x${ch}`);
  const ratio = w / cw;
  const fitted: PreprocessConfig = { ...config, crop: [w, h], resize: scaleResize(config.resize, ratio) };
  const before = `resize ${describeResize(config.resize)}, crop ${formatSize([cw, ch])}`;
  const after = `resize ${describeResize(fitted.resize)}, crop ${formatSize([w, h])}`;
  return {
    config: fitted,
    sources: {
      ...sources,
      resize: `${sources.resize}, scaled to the model input`,
      crop: `${sources.crop}, set to the model input`,
    },
    adapted: `the model takes ${w}x${h} inputs: preprocessing adapted from ${before} to ${after} (same ratio)`,
  };
}

/** `shorter 256` or `exact 224x224`. */
export function describeResize(resize: ResizeConfig): string {
  const size = resize.size;
  return `${resize.mode} ${typeof size === 'number' ? size : `${size[0]}x${size[1]}`}`;
}
