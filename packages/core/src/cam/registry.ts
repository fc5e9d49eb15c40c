import { UsageError } from '../errors.js';
import type { CamMethod } from './base.js';
import { Cam } from './methods/cam.js';
import { EigenCam } from './methods/eigen-cam.js';
import { GradCam } from './methods/grad-cam.js';
import { GradCamPlusPlus } from './methods/grad-cam-pp.js';
import { LayerCam } from './methods/layer-cam.js';
import { ScoreCam, type ScoreCamOptions } from './methods/score-cam.js';
import { XGradCam } from './methods/xgrad-cam.js';

export type CamMethodName =
  | 'cam'
  | 'gradcam'
  | 'gradcampp'
  | 'xgradcam'
  | 'layercam'
  | 'scorecam'
  | 'eigencam';

export const CAM_METHODS: readonly CamMethodName[] = [
  'cam',
  'gradcam',
  'gradcampp',
  'xgradcam',
  'layercam',
  'scorecam',
  'eigencam',
];

/** Whether a method needs extra forward passes of the model (and so the input tensor). */
export function needsForwardPasses(name: CamMethodName): boolean {
  return name === 'scorecam';
}

/** A CAM method by its CLI name. */
export function createCamMethod(name: string, options: { scoreCam?: ScoreCamOptions } = {}): CamMethod {
  switch (name) {
    case 'cam':
      return new Cam();
    case 'gradcam':
      return new GradCam();
    case 'gradcampp':
      return new GradCamPlusPlus();
    case 'xgradcam':
      return new XGradCam();
    case 'layercam':
      return new LayerCam();
    case 'scorecam':
      return new ScoreCam(options.scoreCam);
    case 'eigencam':
      return new EigenCam();
    default:
      throw new UsageError('E_USAGE', `unknown CAM method '${name}'`, {
        hint: `use one of ${CAM_METHODS.join(', ')}`,
      });
  }
}
