/**
 * @cam-localize/localize: pure array algorithms on score maps. Thresholds, connected components,
 * boxes (the tool's own modes and wsolevaluation's OpenCV-contour protocol), masks, and the exact
 * many-threshold sweep that the evaluation runs per image. No ONNX, no files, no native code.
 */
export {
  BOX_MODES,
  type BoxMode,
  type BoxOptions,
  boxesFromMap,
  boxesFromMask,
} from './boxes.js';
export {
  type Component,
  type ComponentOptions,
  type ComponentResult,
  connectedComponents,
} from './components.js';
export {
  maskArea,
  maskBox,
  maskFromArray,
  maskIoU,
  maskToGray8,
  maskToScoreMap,
  thresholdMask,
  wsolMask,
} from './masks.js';
export { type SweepResult, thresholdGrid } from './sweep/threshold-levels.js';
export { type BoxSweepOptions, boxSweep } from './sweep/tool-sweep.js';
export { wsolBoxSweep, wsolBoxSweepQuantized } from './sweep/wsol-sweep.js';
export {
  DEFAULT_THRESHOLD,
  finiteRange,
  foregroundMask,
  formatThreshold,
  otsuThreshold,
  parseThreshold,
  type ThresholdSpec,
  thresholdValue,
} from './threshold.js';
export {
  boundingRect,
  type CvContour,
  contourArea,
  findContoursTree,
} from './wsol/opencv-contours.js';
export {
  EMPTY_WSOL_BOX,
  quantizedMax,
  quantizeScoreMap,
  type WsolOptions,
  wsolBoxes,
  wsolBoxesOfMask,
  wsolBoxOfRect,
  wsolCutoff,
  wsolForeground,
} from './wsol/wsol.js';
