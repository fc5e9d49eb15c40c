/**
 * The preprocessing that actually ran, and where each value came from (a flag, a preset, the
 * model's metadata, its `.preprocess.json` sidecar, the protocol, the preset probe, the model's
 * input size): what config.json keeps as `preprocessRan`, and what the report and `compare` show.
 */
import type {
  CamModel,
  PreprocessConfig,
  PreprocessField,
  PresetName,
  PresetProbe,
} from '@cam-localize/core';
import type { ModelFlags } from '../options.js';

/** How the preset was chosen, for config.json, the report and stderr. */
export interface PresetChoice {
  readonly preset: PresetName;
  /** `probe` (the probe's table and rule), `pytorch` (a PyTorch export: imagenet without a probe). */
  readonly how: 'probe' | 'pytorch';
  readonly reason: string;
  readonly probe?: PresetProbe;
}

/** config.json's `preprocessRan`. */
export interface PreprocessRan {
  /** The model input [width, height]. */
  readonly inputSize: readonly [number, number];
  /** The preset the values started from, and how it was chosen. */
  readonly preset: string;
  readonly config: PreprocessConfig;
  /** Per field: flag --x, preset <name> (--preset | auto: probe | auto: PyTorch export), metadata, sidecar <file>, protocol <name>, model input, default. */
  readonly sources: Readonly<Record<PreprocessField, string>>;
}

/** `shorter 256` or `exact 224x224`. */
export function describeResize(resize: PreprocessConfig['resize']): string {
  const size = resize.size;
  return `${resize.mode} ${typeof size === 'number' ? size : `${size[0]}x${size[1]}`}`;
}

/** The flags that set each field (`antialias` has none). */
export const FIELD_FLAGS: Record<PreprocessField, (keyof ModelFlags)[]> = {
  resize: ['resize', 'resizeMode'],
  crop: ['crop'],
  mean: ['mean'],
  std: ['std'],
  channelOrder: ['channelOrder'],
  scale: ['scale'],
  interpolation: ['interpolation'],
  antialias: [],
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Says once on stderr what the model's own preprocessing and the fitting to its input did. */
export function announcePreprocessing(model: CamModel): void {
  const p = model.preprocessProvenance;
  if (p.sidecarFile !== undefined)
    process.stderr.write(`cam-localize: preprocessing from the sidecar ${p.sidecarFile}\n`);
  else if (p.fromMetadata) process.stderr.write("cam-localize: preprocessing from the model's metadata\n");
  if (p.adapted !== undefined) process.stderr.write(`cam-localize: ${p.adapted}\n`);
}

export function preprocessRan(
  model: CamModel,
  flags: ModelFlags,
  options: { protocol?: string | undefined; choice?: PresetChoice | undefined } = {},
): PreprocessRan {
  const { choice } = options;
  const how =
    choice === undefined
      ? flags.preset === undefined
        ? undefined
        : 'from --preset'
      : choice.how === 'probe'
        ? 'chosen by the probe'
        : 'auto for a PyTorch export';
  const p = model.preprocessProvenance;
  const sources = {} as Record<PreprocessField, string>;
  for (const field of Object.keys(FIELD_FLAGS) as PreprocessField[]) {
    // Core's label, then `, scaled to the model input` where the value was fitted.
    const [source = '', ...fitted] = p.sources[field].split(', ');
    let label = source;
    if (source === 'caller') {
      const flag = FIELD_FLAGS[field].find((f) => flags[f] !== undefined);
      label =
        flag !== undefined
          ? `flag --${kebab(flag)}`
          : options.protocol !== undefined
            ? `protocol ${options.protocol}`
            : 'caller';
    } else if (source === 'sidecar') label = `sidecar ${p.sidecarFile ?? ''}`.trim();
    else if (source.startsWith('preset ') && how !== undefined) label = `${source}, ${how}`;
    else if (source === 'default (imagenet)' && how !== undefined) label = `preset imagenet, ${how}`;
    sources[field] = [label, ...fitted].join(', ');
  }
  const preset =
    choice !== undefined
      ? `${choice.preset}, ${how}: ${choice.reason}`
      : flags.preset !== undefined
        ? `${flags.preset}, from --preset`
        : p.sidecarFile !== undefined
          ? `none: the sidecar ${p.sidecarFile}`
          : p.fromMetadata
            ? "none: the model's metadata"
            : 'imagenet (the default)';
  return {
    inputSize: [model.inputWidth, model.inputHeight],
    preset,
    config: model.preprocessConfig,
    sources,
  };
}

const numbers = (xs: readonly number[]) => xs.map((x) => +x.toFixed(4)).join(', ');

/** The rows a report shows: label, value (source). No raw nulls. */
export function describePreprocessing(
  config: PreprocessConfig,
  sources: Readonly<Partial<Record<PreprocessField, string>>> | undefined,
  inputSize?: readonly [number, number],
): { label: string; value: string }[] {
  const from = (field: PreprocessField) => (sources?.[field] ? ` (${sources[field]})` : '');
  const crop = config.crop === null ? 'none' : `${config.crop[0]}x${config.crop[1]}`;
  const scale = Math.abs(config.scale - 1 / 255) < 1e-12 ? '1/255' : `${config.scale}`;
  return [
    ...(inputSize === undefined ? [] : [{ label: 'input size', value: `${inputSize[0]}x${inputSize[1]}` }]),
    { label: 'resize', value: `${describeResize(config.resize)}${from('resize')}` },
    { label: 'crop', value: `${crop}${from('crop')}` },
    {
      label: 'interpolation',
      value: `${config.interpolation}${config.antialias ? ', antialiased' : ''}${from('interpolation')}`,
    },
    { label: 'mean', value: `${numbers(config.mean)}${from('mean')}` },
    { label: 'std', value: `${numbers(config.std)}${from('std')}` },
    { label: 'channel order', value: `${config.channelOrder.toUpperCase()}${from('channelOrder')}` },
    { label: 'scale', value: `${scale}${from('scale')}` },
  ];
}
