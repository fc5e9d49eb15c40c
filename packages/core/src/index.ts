/**
 * @cam-localize/core: class activation maps from any ONNX image classifier.
 *
 * Load a model with `CamModel.load` (it finds the CAM head, opens an onnxruntime session on the
 * CPU, CUDA or WebGPU, and preprocesses like the model's training recipe), then `model.explain`
 * images to get their classes and features, and `model.cam` a class's score map. Everything below
 * is public and semver-stable; what is not listed is internal. The worker-thread building blocks
 * that the sibling packages share live at `@cam-localize/core/workers`.
 *
 * @example
 * import { CamModel } from '@cam-localize/core';
 * const model = await CamModel.load('resnet18.onnx', { device: 'auto' });
 * const [result] = await model.explain(['cat.jpg']); // scores, features, ranked classes
 * const map = await model.cam(result, result.ranked[0]!, { method: 'gradcam' });
 */

// The model: loading, inference, CAMs
export { type CamModelOptions, CamModel, type Inference } from './model.js';
export type { CamInputs, CamRequest } from './cam/head-cam.js';
export { type CamHead, detectCamHead, type HeadOverrides } from './head/detect.js';
export type { TokenLayout } from './head/tokens.js';
export type { PreparedImage } from './pipeline/image-preparer.js';
export { formatInspection, inspectModel, type ModelInspection } from './inspect.js';

// CAM methods: one table, one base class for your own
export { CamMethod } from './cam/base.js';
export {
  CAM_METHOD_NAMES,
  CAM_METHODS,
  type CamMethodName,
  type CamMethodOptions,
  type CamMethodSpec,
  type CamRequirement,
  createCamMethod,
} from './cam/registry.js';
export {
  type AblatedScores,
  CAM_COMPATS,
  type CamCompat,
  type CamContext,
  type ForwardScores,
  NORMALIZATIONS,
  type Normalization,
} from './cam/types.js';
export { CAM_ON_DEVICE_MODES, type CamOnDevice } from './cam/device-cam-plan.js';
export { parseTarget, rankClasses, resolveTargets, type TargetSpec } from './cam/targets.js';

// Gradients through any ONNX graph: the backward pass appended to the model as ONNX nodes
export { buildGradientGraph, type GradientGraph, type GradientGraphOptions } from './grad/index.js';
export type { ClassGradient } from './grad/backprop-runner.js';
export type { LayerRequest } from './grad/layer.js';

// Score maps, boxes and geometry between the original image and the model input
export { type ScoreMap, scoreMap } from './scoremap.js';
export { minMaxInPlace } from './cam/normalize.js';
export { type ResampleMethod, resampleScoreMap, scoreMapToOriginal } from './resample.js';
export type { Box } from './box.js';
export { boxToInput, boxToOriginal, type ImageGeometry } from './geometry.js';

// Images and preprocessing
export type { GrayImage, RgbImage } from './image/types.js';
export { encodeGrayPng, encodeImage, writeImage } from './image/encode.js';
export { type ImageSize, type LoadImageOptions, loadImage, readImageSize } from './image/sharp-codec.js';
export { resizeRgb } from './image/resize.js';
export { PRESET_NAMES, PRESETS, type PreprocessConfig, type PresetName } from './image/presets.js';
export { type PreprocessOverrides, parsePreprocessOverrides } from './image/config.js';
export type { PreprocessField, PreprocessProvenance, PreprocessSources } from './image/provenance.js';
export {
  choosePreset,
  type PresetProbe,
  type PresetProbeRow,
  type ProbeImage,
  probePresets,
} from './preset-probe.js';
export { RESIZE_ENGINES, type ResizeEngine } from './image/vips-preprocess.js';
export type { ScoreKind } from './scores.js';

// Rendering: colormaps, overlays, boxes and their labels
export { COLORMAP_NAMES, type ColormapName, colormapLut } from './render/colormaps.js';
export {
  type BoxStyle,
  colorize,
  drawBoxes,
  type OverlayOptions,
  overlay,
} from './render/overlay.js';

// Reproducible noise
export { SeededRandom } from './random.js';

// Class names: a labels file, or the ImageNet-1k names built in
export { type Labels, readLabels } from './labels.js';
export { imagenetLabels } from './imagenet-classes.js';

// Devices and the set-up check (`cam-localize doctor`)
export { type Device, type DeviceChoice, DEVICES, parseDevice } from './runtime/index.js';
export { type DoctorReport, formatDoctor, runDoctor } from './runtime/index.js';

// Errors: one class per kind, each with a stable `code`
export {
  CamError,
  CamLocalizeError,
  type CamLocalizeErrorCode,
  DataError,
  DatasetProblemsError,
  DeviceError,
  describeError,
  GradientError,
  HeadNotFoundError,
  ImageError,
  ModelError,
  UsageError,
} from './errors.js';
