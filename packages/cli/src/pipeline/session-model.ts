/**
 * The model of an image-run session: loaded with the preprocessing --preset auto chooses, the
 * CAMs in the graph where --cam-on-device allows, said on stderr (preprocessing, device, class
 * names) and checked against the command line before the first image.
 */
import type { CamMethodOptions, Labels } from '@cam-localize/core';
import { modelOptionsFromFlags } from '../options.js';
import type { CamChoice, ImageRunFlags, ImageRunPlan, OpenedModel } from './image-run-plan.js';
import { deviceCamRequest } from './image-work.js';
import type { ImageWork } from './image-work-settings.js';
import { assertLabelsFitModel, assertMethodFitsModel } from './model-checks.js';
import { announcePreprocessing } from './preprocess-provenance.js';
import { loadWithPresetChoice } from './preset-choice.js';
import type { RunDirectory } from './run-dir.js';

export async function openSessionModel<Work extends ImageWork, Folder extends RunDirectory | undefined>(
  plan: ImageRunPlan<Work, Folder>,
  flags: ImageRunFlags,
  settings: { readonly cam: CamChoice; readonly camOptions: CamMethodOptions; readonly labels?: Labels },
): Promise<OpenedModel> {
  const { cam, camOptions, labels } = settings;
  const { model, choice } = await loadWithPresetChoice(
    flags.model,
    {
      ...modelOptionsFromFlags(flags, { preprocess: plan.preprocess, method: flags.method }),
      keepImages: false,
      deviceCam: deviceCamRequest(
        {
          command: plan.command,
          target: cam.target,
          method: flags.method,
          normalization: cam.normalization,
          camOptions,
        },
        plan.camOnDevice,
      ),
    },
    flags,
    () => plan.probeImages(),
    plan.preprocess,
  );
  announcePreprocessing(model);
  // auto says what it picked and why (e.g. which CUDA library is missing).
  if (flags.device === 'auto') process.stderr.write(`cam-localize: device ${model.deviceChoice.reason}\n`);
  assertLabelsFitModel(labels, flags.labels, model);
  assertMethodFitsModel(flags.method, model);
  const classNames = plan.classNames(model, labels, cam);
  if (classNames.note !== undefined) process.stderr.write(`cam-localize: ${classNames.note}\n`);
  return { model, ...(choice === undefined ? {} : { presetChoice: choice }), classNames };
}
