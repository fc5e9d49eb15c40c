/**
 * Preprocessing recipes: how an image becomes a model input tensor. A config is plain data (it
 * can come from JSON: ONNX metadata or a sidecar file), and every field can be overridden.
 *
 * Units: each tensor value is `(pixel * scale - mean[c]) / std[c]`, where `pixel` is 0..255
 * and `c` is the tensor channel, in the tensor's channel order (`channelOrder`). So mean/std are
 * in the units of `pixel * scale`: 0..1 for torchvision (`scale` = 1/255), 0..255 for caffe
 * (`scale` = 1).
 */
import type { Interpolation } from './resize.js';

export interface ResizeConfig {
  /**
   * `shorter`: the shorter side becomes `size` (a number), the longer one keeps the aspect ratio
   * as torchvision computes it (`int(size * long / short)`). `exact`: the image is resized to
   * `size` ([width, height], or a number for a square), aspect not kept.
   */
  readonly mode: 'shorter' | 'exact';
  readonly size: number | readonly [number, number];
}

export interface PreprocessConfig {
  readonly resize: ResizeConfig;
  /** Centre crop [width, height] of the resized image (torchvision CenterCrop), or null for none. */
  readonly crop: readonly [number, number] | null;
  /** Per tensor channel, in units of `pixel * scale`. */
  readonly mean: readonly [number, number, number];
  /** Per tensor channel, in units of `pixel * scale`. */
  readonly std: readonly [number, number, number];
  /** Channel order of the tensor. */
  readonly channelOrder: 'rgb' | 'bgr';
  /** Pixel multiplier applied before mean/std: 1/255 for torchvision, 1 for caffe. */
  readonly scale: number;
  readonly interpolation: Interpolation;
  /** Stretch the filter when downscaling, as PIL always does. */
  readonly antialias: boolean;
}

/** The fields of a {@link PreprocessConfig}, in the order messages and tables list them. */
export const PREPROCESS_FIELDS = [
  'resize',
  'crop',
  'mean',
  'std',
  'channelOrder',
  'scale',
  'interpolation',
  'antialias',
] as const satisfies readonly (keyof PreprocessConfig)[];

/**
 * - `imagenet`: torchvision's ImageNet eval transform: Resize(256) (shorter side, bilinear,
 *   antialiased as PIL does), CenterCrop(224), ToTensor, Normalize(ImageNet mean/std).
 * - `inception`: Inception/TF-slim style: Resize(342) + CenterCrop(299) (the 0.875 central
 *   fraction of TF's eval), values (x/255 - 0.5) / 0.5 in [-1, 1].
 * - `caffe`: BGR tensor, pixel minus [104, 117, 123] per B, G, R in 0..255 units, no scaling;
 *   Resize(256) + CenterCrop(224) (the test bed's caffe2 SqueezeNet uses 224x224).
 * - `mobilenet`: (pixel - 128) / 128, exact resize to the model input (224 unless the model
 *   says otherwise: `preprocess` uses the model's input size for an exact resize without crop).
 * - `wsol`: wsolevaluation's test transform: exact resize to 224x224, no crop, ImageNet mean/std.
 */
export const PRESETS = {
  imagenet: {
    resize: { mode: 'shorter', size: 256 },
    crop: [224, 224],
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    channelOrder: 'rgb',
    scale: 1 / 255,
    interpolation: 'bilinear',
    antialias: true,
  },
  inception: {
    resize: { mode: 'shorter', size: 342 },
    crop: [299, 299],
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    channelOrder: 'rgb',
    scale: 1 / 255,
    interpolation: 'bilinear',
    antialias: true,
  },
  caffe: {
    resize: { mode: 'shorter', size: 256 },
    crop: [224, 224],
    mean: [104, 117, 123],
    std: [1, 1, 1],
    channelOrder: 'bgr',
    scale: 1,
    interpolation: 'bilinear',
    antialias: true,
  },
  mobilenet: {
    resize: { mode: 'exact', size: 224 },
    crop: null,
    mean: [128, 128, 128],
    std: [128, 128, 128],
    channelOrder: 'rgb',
    scale: 1,
    interpolation: 'bilinear',
    antialias: true,
  },
  wsol: {
    resize: { mode: 'exact', size: [224, 224] },
    crop: null,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    channelOrder: 'rgb',
    scale: 1 / 255,
    interpolation: 'bilinear',
    antialias: true,
  },
} as const satisfies Readonly<Record<string, PreprocessConfig>>;

/** A preset's name: the keys of the table above. */
export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(name: unknown): name is PresetName {
  return typeof name === 'string' && Object.hasOwn(PRESETS, name);
}
