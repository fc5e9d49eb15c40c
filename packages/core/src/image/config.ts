/**
 * Where a preprocessing config comes from, and how the sources combine.
 *
 * Sources, highest precedence first (see {@link resolvePreprocess}):
 *  1. explicit overrides (the caller / CLI flags);
 *  2. a sidecar file beside the model, `<model stem>.preprocess.json` (or `<model file>.preprocess.json`);
 *  3. the ONNX model's metadata_props;
 *  4. a named preset;
 *  5. the default, the `imagenet` preset.
 * Each layer is partial ({@link PreprocessOverrides}); a layer that names a `preset` starts over
 * from that preset, then applies its own fields.
 *
 * JSON form (sidecar file, or the `cam_localize.preprocess` metadata value):
 * ```json
 * { "preset": "imagenet", "resize": {"mode": "shorter", "size": 256}, "crop": [224, 224],
 *   "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "channelOrder": "rgb",
 *   "scale": 0.00392156862745098, "interpolation": "bilinear", "antialias": true }
 * ```
 * every key optional; `resize` may be a number (shorter side), `crop` a number (square) or null,
 * `mean`/`std` a number (all channels); `scale` may also be the string "1/255".
 *
 * ONNX metadata keys read by {@link preprocessFromMetadata}, lowest precedence first:
 *  - `Image.BitmapPixelFormat` (`Rgb8`/`Bgr8`: channel order) and `Image.NominalPixelRange`
 *    (`NominalRange_0_255`, `Normalized_0_1`, `Normalized_1_1`) as in Windows ML's image metadata;
 *  - `mean`, `std` (JSON array, or numbers separated by commas/spaces), `channel_order` (`rgb`/`bgr`);
 *  - `cam_localize.preprocess`: the JSON form above.
 */
import { basename, dirname, extname, join } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { readRegularFile } from '../files/regular-file.js';
import {
  isPresetName,
  PREPROCESS_FIELDS,
  PRESET_NAMES,
  PRESETS,
  type PreprocessConfig,
  type PresetName,
  type ResizeConfig,
} from './presets.js';

/** A partial config, as any source gives it. */
export interface PreprocessOverrides {
  readonly preset?: PresetName;
  readonly resize?: Partial<ResizeConfig>;
  readonly crop?: readonly [number, number] | null;
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  readonly channelOrder?: 'rgb' | 'bgr';
  readonly scale?: number;
  readonly interpolation?: PreprocessConfig['interpolation'];
  readonly antialias?: boolean;
}

/** The metadata key holding a JSON preprocessing config. */
export const METADATA_KEY = 'cam_localize.preprocess';

interface Where {
  file?: string | undefined;
  /** Prefix of key names in messages (e.g. the metadata key). */
  key?: string | undefined;
  kind: 'data' | 'usage';
  /** How the caller names a key to its user (a command line: `crop` is `--crop`). */
  label?: ((key: string) => string) | undefined;
}

function fail(where: Where, key: string, message: string): never {
  const name = where.key === undefined ? key : `${where.key}.${key}`;
  const options = where.file === undefined ? {} : { file: where.file };
  const text =
    where.label === undefined ? `preprocessing '${name}': ${message}` : `${where.label(key)}: ${message}`;
  if (where.kind === 'usage') throw new UsageError(text, options);
  throw new DataError('E_PREPROCESS', text, options);
}

function positiveInt(v: unknown, where: Where, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > 65535) {
    fail(where, key, `expected a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function finite(v: unknown, where: Where, key: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    fail(where, key, `expected a number, got ${JSON.stringify(v)}`);
  return v;
}

function triple(v: unknown, where: Where, key: string, nonZero: boolean): [number, number, number] {
  const arr = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(arr) || arr.length !== 3) {
    fail(where, key, `expected 3 numbers (one per channel), got ${JSON.stringify(v)}`);
  }
  const out = arr.map((x, i) => finite(x, where, `${key}[${i}]`)) as [number, number, number];
  if (nonZero && out.some((x) => x === 0)) fail(where, key, 'must not be zero');
  return out;
}

function size2(v: unknown, where: Where, key: string): [number, number] {
  if (typeof v === 'number') {
    const n = positiveInt(v, where, key);
    return [n, n];
  }
  if (!Array.isArray(v) || v.length !== 2)
    fail(where, key, `expected a size or [width, height], got ${JSON.stringify(v)}`);
  return [positiveInt(v[0], where, `${key}[0]`), positiveInt(v[1], where, `${key}[1]`)];
}

/** Checks a JSON-ish object and returns it as overrides; errors name the file and the key. */
export function parsePreprocessOverrides(
  value: unknown,
  options: { file?: string; key?: string; kind?: 'data' | 'usage'; label?: (key: string) => string } = {},
): PreprocessOverrides {
  const where: Where = {
    file: options.file,
    key: options.key,
    kind: options.kind ?? 'data',
    label: options.label,
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(where, '', `expected a JSON object, got ${JSON.stringify(value)}`);
  }
  const o = value as Record<string, unknown>;
  const out: { -readonly [K in keyof PreprocessOverrides]: PreprocessOverrides[K] } = {};
  const known = new Set(['preset', ...PREPROCESS_FIELDS]);
  for (const k of Object.keys(o)) {
    if (!known.has(k)) fail(where, k, `unknown key (known: ${[...known].join(', ')})`);
  }
  if (o.preset !== undefined) {
    if (!isPresetName(o.preset))
      fail(where, 'preset', `unknown preset ${JSON.stringify(o.preset)} (known: ${PRESET_NAMES.join(', ')})`);
    out.preset = o.preset;
  }
  if (o.resize !== undefined) {
    if (typeof o.resize === 'number') {
      out.resize = { mode: 'shorter', size: positiveInt(o.resize, where, 'resize') };
    } else if (typeof o.resize === 'object' && o.resize !== null && !Array.isArray(o.resize)) {
      const r = o.resize as Record<string, unknown>;
      const resize: { mode?: ResizeConfig['mode']; size?: ResizeConfig['size'] } = {};
      if (r.mode !== undefined) {
        if (r.mode !== 'shorter' && r.mode !== 'exact')
          fail(where, 'resize.mode', `expected "shorter" or "exact", got ${JSON.stringify(r.mode)}`);
        resize.mode = r.mode;
      }
      if (r.size !== undefined) {
        resize.size =
          typeof r.size === 'number'
            ? positiveInt(r.size, where, 'resize.size')
            : size2(r.size, where, 'resize.size');
      }
      out.resize = resize;
    } else {
      fail(where, 'resize', `expected {mode, size} or a number, got ${JSON.stringify(o.resize)}`);
    }
  }
  if (o.crop !== undefined) out.crop = o.crop === null ? null : size2(o.crop, where, 'crop');
  if (o.mean !== undefined) out.mean = triple(o.mean, where, 'mean', false);
  if (o.std !== undefined) out.std = triple(o.std, where, 'std', true);
  if (o.channelOrder !== undefined) {
    const v = typeof o.channelOrder === 'string' ? o.channelOrder.toLowerCase() : o.channelOrder;
    if (v !== 'rgb' && v !== 'bgr')
      fail(where, 'channelOrder', `expected "rgb" or "bgr", got ${JSON.stringify(o.channelOrder)}`);
    out.channelOrder = v;
  }
  if (o.scale !== undefined) {
    const s = o.scale === '1/255' ? 1 / 255 : o.scale;
    if (finite(s, where, 'scale') <= 0) fail(where, 'scale', 'must be positive');
    out.scale = s as number;
  }
  if (o.interpolation !== undefined) {
    if (o.interpolation !== 'bilinear' && o.interpolation !== 'bicubic' && o.interpolation !== 'nearest') {
      fail(
        where,
        'interpolation',
        `expected bilinear, bicubic or nearest, got ${JSON.stringify(o.interpolation)}`,
      );
    }
    out.interpolation = o.interpolation;
  }
  if (o.antialias !== undefined) {
    if (typeof o.antialias !== 'boolean')
      fail(where, 'antialias', `expected true or false, got ${JSON.stringify(o.antialias)}`);
    out.antialias = o.antialias;
  }
  return out;
}

/** Applies layers in order (later wins) on top of a base config. */
export function applyOverrides(
  base: PreprocessConfig,
  ...layers: (PreprocessOverrides | null | undefined)[]
): PreprocessConfig {
  let c: PreprocessConfig = base;
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.preset !== undefined) c = PRESETS[layer.preset];
    c = {
      resize: layer.resize
        ? { mode: layer.resize.mode ?? c.resize.mode, size: layer.resize.size ?? c.resize.size }
        : c.resize,
      crop: layer.crop !== undefined ? layer.crop : c.crop,
      mean: layer.mean ?? c.mean,
      std: layer.std ?? c.std,
      channelOrder: layer.channelOrder ?? c.channelOrder,
      scale: layer.scale ?? c.scale,
      interpolation: layer.interpolation ?? c.interpolation,
      antialias: layer.antialias ?? c.antialias,
    };
  }
  return c;
}

/** Throws a UsageError naming the key when a complete config is inconsistent. */
export function validatePreprocessConfig(config: PreprocessConfig, file?: string): void {
  const where: Where = { file, kind: 'usage' };
  const r = config.resize;
  if (r.mode !== 'shorter' && r.mode !== 'exact')
    fail(where, 'resize.mode', `expected "shorter" or "exact", got ${JSON.stringify(r.mode)}`);
  if (typeof r.size === 'number') positiveInt(r.size, where, 'resize.size');
  else {
    size2(r.size, where, 'resize.size');
    if (r.mode === 'shorter')
      fail(where, 'resize.size', 'the shorter-side mode takes one number, not [width, height]');
  }
  if (config.crop !== null) size2(config.crop, where, 'crop');
  triple(config.mean, where, 'mean', false);
  triple(config.std, where, 'std', true);
  if (config.channelOrder !== 'rgb' && config.channelOrder !== 'bgr')
    fail(where, 'channelOrder', 'expected "rgb" or "bgr"');
  if (!(finite(config.scale, where, 'scale') > 0)) fail(where, 'scale', 'must be positive');
  if (!['bilinear', 'bicubic', 'nearest'].includes(config.interpolation))
    fail(where, 'interpolation', 'expected bilinear, bicubic or nearest');
  if (typeof config.antialias !== 'boolean') fail(where, 'antialias', 'expected true or false');
}

function numberList(text: string, where: Where, key: string): number[] {
  const t = text.trim();
  let v: unknown;
  if (t.startsWith('[')) {
    try {
      v = JSON.parse(t);
    } catch {
      fail(where, key, `not valid JSON: ${t}`);
    }
  } else {
    v = t
      .split(/[\s,]+/)
      .filter((s) => s !== '')
      .map(Number);
  }
  return triple(v, where, key, false);
}

/**
 * Preprocessing overrides from ONNX metadata_props (keys in the module comment). Returns null
 * when the metadata says nothing about preprocessing. `file` (the model) names errors.
 */
export function preprocessFromMetadata(
  metadata: Readonly<Record<string, string>>,
  file?: string,
): PreprocessOverrides | null {
  const where: Where = { file, kind: 'data' };
  const layers: PreprocessOverrides[] = [];
  const fmt = metadata['Image.BitmapPixelFormat'];
  if (fmt !== undefined) {
    const f = fmt.trim().toLowerCase();
    if (f.startsWith('rgb')) layers.push({ channelOrder: 'rgb' });
    else if (f.startsWith('bgr')) layers.push({ channelOrder: 'bgr' });
    else fail(where, 'Image.BitmapPixelFormat', `expected Rgb8 or Bgr8, got ${JSON.stringify(fmt)}`);
  }
  const range = metadata['Image.NominalPixelRange'];
  if (range !== undefined) {
    const r = range.trim();
    if (r === 'NominalRange_0_255') layers.push({ scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    else if (r === 'Normalized_0_1') layers.push({ scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] });
    else if (r === 'Normalized_1_1')
      layers.push({ scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    else fail(where, 'Image.NominalPixelRange', `unknown range ${JSON.stringify(range)}`);
  }
  const simple: {
    mean?: [number, number, number];
    std?: [number, number, number];
    channelOrder?: 'rgb' | 'bgr';
  } = {};
  if (metadata.mean !== undefined)
    simple.mean = numberList(metadata.mean, where, 'mean') as [number, number, number];
  if (metadata.std !== undefined) {
    simple.std = numberList(metadata.std, where, 'std') as [number, number, number];
    if (simple.std.some((x) => x === 0)) fail(where, 'std', 'must not be zero');
  }
  if (metadata.channel_order !== undefined) {
    const v = metadata.channel_order.trim().toLowerCase();
    if (v !== 'rgb' && v !== 'bgr')
      fail(where, 'channel_order', `expected rgb or bgr, got ${JSON.stringify(metadata.channel_order)}`);
    simple.channelOrder = v;
  }
  if (Object.keys(simple).length > 0) layers.push(simple);
  const json = metadata[METADATA_KEY];
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      fail(where, METADATA_KEY, `not valid JSON (${(error as Error).message})`);
    }
    layers.push(
      parsePreprocessOverrides(parsed, { ...(file === undefined ? {} : { file }), key: METADATA_KEY }),
    );
  }
  if (layers.length === 0) return null;
  return mergeOverrides(layers);
}

/** Several partial layers as one (later wins; a `preset` drops what earlier layers set). */
export function mergeOverrides(layers: readonly PreprocessOverrides[]): PreprocessOverrides {
  let out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer.preset !== undefined) out = {};
    const resize =
      layer.resize && out.resize
        ? { ...(out.resize as object), ...layer.resize }
        : (layer.resize ?? out.resize);
    out = { ...out, ...layer };
    if (resize !== undefined) out.resize = resize;
  }
  return out as PreprocessOverrides;
}

/** The sidecar paths looked for beside a model: `<stem>.preprocess.json`, `<file>.preprocess.json`. */
export function sidecarPaths(modelPath: string): string[] {
  const dir = dirname(modelPath);
  const file = basename(modelPath);
  const stem = file.slice(0, file.length - extname(file).length);
  const paths = [join(dir, `${stem}.preprocess.json`)];
  if (stem !== file) paths.push(join(dir, `${file}.preprocess.json`));
  return paths;
}

/** Reads the preprocessing sidecar of a model, or null when there is none. Errors name the file. */
export async function readSidecarPreprocess(modelPath: string): Promise<PreprocessOverrides | null> {
  for (const path of sidecarPaths(modelPath)) {
    let text: string;
    try {
      text = await readRegularFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new DataError('E_PREPROCESS', `cannot read preprocessing file: ${(error as Error).message}`, {
        file: path,
        cause: error,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new DataError('E_PREPROCESS', `not valid JSON (${(error as Error).message})`, {
        file: path,
        cause: error,
      });
    }
    return parsePreprocessOverrides(parsed, { file: path });
  }
  return null;
}

export interface ResolvePreprocessOptions {
  /** The base recipe: a preset name or a full config (default `imagenet`). */
  preset?: PresetName | PreprocessConfig | undefined;
  /** Raw ONNX metadata_props. */
  metadata?: Readonly<Record<string, string>> | undefined;
  /** The model path, to name it in metadata errors. */
  modelFile?: string | undefined;
  /** From {@link readSidecarPreprocess}. */
  sidecar?: PreprocessOverrides | null | undefined;
  /** From the caller; highest precedence. */
  overrides?: PreprocessOverrides | null | undefined;
}

/** The effective config: overrides > sidecar > metadata > preset > default imagenet. */
export function resolvePreprocess(options: ResolvePreprocessOptions = {}): PreprocessConfig {
  let base: PreprocessConfig = PRESETS.imagenet;
  if (typeof options.preset === 'string') {
    if (!isPresetName(options.preset)) {
      throw new UsageError(`unknown preset '${options.preset}' (known: ${PRESET_NAMES.join(', ')})`);
    }
    base = PRESETS[options.preset];
  } else if (options.preset !== undefined) {
    base = options.preset;
  }
  const metadata = options.metadata ? preprocessFromMetadata(options.metadata, options.modelFile) : null;
  const config = applyOverrides(base, metadata, options.sidecar, options.overrides);
  validatePreprocessConfig(config, options.modelFile);
  return config;
}
