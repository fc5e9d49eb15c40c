/**
 * `--preset auto`: which preset a model runs with when nothing says. It is the default where the
 * model carries no preprocessing (no metadata, no `.preprocess.json` sidecar) and no preprocessing
 * flag is given. A PyTorch export takes torchvision's `imagenet` recipe without a probe (the
 * convention of torchvision models, and what untrained exports were always run with); any other
 * model is probed (core's probePresets on the first 32 images) and runs with the probe's choice
 * (core's choosePreset: imagenet unless another preset is clearly better).
 */
import {
  CamModel,
  type CamModelOptions,
  choosePreset,
  type PreprocessOverrides,
  type PresetProbe,
  type ProbeImage,
  probePresets,
} from '@cam-localize/core';
import type { ModelFlags } from '../options.js';
import { FIELD_FLAGS, type PresetChoice } from './preprocess-provenance.js';
import { formatProbeTable } from './probe-table.js';

/** The flags that set preprocessing; any of them given turns the automatic choice off. */
const PREPROCESS_FLAGS = ['preset', ...Object.values(FIELD_FLAGS).flat()] as const;

export function preprocessFlagsGiven(flags: ModelFlags): boolean {
  return PREPROCESS_FLAGS.some((f) => flags[f] !== undefined && !(f === 'preset' && flags.preset === 'auto'));
}

/**
 * Loads the model, and where the preset is automatic runs the probe and loads it again with the
 * chosen preset when that differs. Says the choice on stderr. `base` is the caller's preprocessing
 * (a protocol's resize), laid over each preset.
 */
export async function loadWithPresetChoice(
  path: string,
  options: CamModelOptions,
  flags: ModelFlags,
  images: () => readonly ProbeImage[],
  base: PreprocessOverrides,
): Promise<{ model: CamModel; choice?: PresetChoice }> {
  const model = await CamModel.load(path, options);
  const explicit = flags.preset === 'auto';
  if (!explicit && preprocessFlagsGiven(flags)) return { model };
  const provenance = model.preprocessProvenance;
  if (!explicit && (provenance.fromMetadata || provenance.sidecarFile !== undefined)) return { model };
  let choice: PresetChoice;
  if (!explicit && model.onnx.producerName === 'pytorch') {
    choice = {
      preset: 'imagenet',
      how: 'pytorch',
      reason: "a PyTorch export: torchvision's ImageNet recipe",
    };
  } else {
    let probe: PresetProbe;
    try {
      probe = await probePresets(model, images(), {
        base,
        ...(flags.maxPixels === undefined ? {} : { maxPixels: flags.maxPixels }),
      });
    } catch (error) {
      await model.release();
      throw error;
    }
    const chosen = choosePreset(probe);
    choice = { ...chosen, how: 'probe', probe };
    if (explicit) process.stderr.write(`${formatProbeTable(probe, chosen.preset)}\n`);
  }
  const took =
    choice.probe === undefined
      ? ''
      : ` (probe: ${choice.probe.rows[0]?.images ?? 0} images x ${choice.probe.rows.length} presets in ${choice.probe.seconds.toFixed(1)} s)`;
  process.stderr.write(
    `cam-localize: preset auto: ${choice.preset}, ${choice.reason}${took}; --preset <name> sets it, cam-localize inspect --probe compares them\n`,
  );
  if (choice.preset === 'imagenet') return { model, choice };
  await model.release();
  const preprocess = { ...base, preset: choice.preset };
  return { model: await CamModel.load(path, { ...options, preprocess }), choice };
}

export type { PresetChoice } from './preprocess-provenance.js';
