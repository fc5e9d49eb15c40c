import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CamModel,
  choosePreset,
  formatInspection,
  inspectModel,
  type ProbeImage,
  probePresets,
  UsageError,
} from '@cam-localize/core';
import { readDataset } from '@cam-localize/eval';
import type { Command } from 'commander';
import { withFlagNames } from '../flag-names.js';
import {
  addTokenOptions,
  type HeadFlags,
  headOverridesFromFlags,
  layerRequestFromFlags,
} from '../options.js';
import { discoverImages } from '../pipeline/discover.js';
import { formatProbeTable } from '../pipeline/probe-table.js';

interface InspectFlags extends HeadFlags {
  json?: boolean;
  layers?: boolean;
  probe?: string;
}

/**
 * `cam-localize inspect <model>`: what the tool sees in a model, and how each method runs on it;
 * non-zero when no method can use it.
 */
export function registerInspect(program: Command): void {
  const command = program
    .command('inspect')
    .description('show the input, feature map and head of an ONNX model, and whether CAM applies')
    .argument('<model>', 'the ONNX model')
    .option('--json', 'print JSON')
    .option('--feature-tensor <name>', 'use this tensor as the feature map (or, with tokens, [N,T,C])')
    .option('--classifier-weights <name>', 'initializer [C,K] of the classifier')
    .option('--classifier-bias <name>', 'initializer [C] of the classifier bias')
    .option(
      '--layer <name>',
      'the layer the gradient methods explain: a tensor or a node-name prefix such as /layer3/',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--channels-last', 'the layer is [N,H,W,C] (guessed from its shape when not given)')
    .option('--layers', 'list the candidate layers (module outputs) with their shapes')
    .option(
      '--probe <dataset or photos>',
      'score each preprocessing preset on 32 images (Top-1 where labels exist, else confidence and entropy) and recommend one',
    );
  addTokenOptions(command).action(async (model: string, flags: InspectFlags) => {
    if (flags.probe !== undefined) return probe(model, flags.probe, flags);
    const backprop = layerRequestFromFlags(flags, 'gradcam');
    const inspection = await inspectModel(model, headOverridesFromFlags(flags) ?? {}, {
      ...(flags.layer === undefined ? {} : { backprop: backprop! }),
      ...(flags.layers === true ? { layers: true } : {}),
    });
    process.stdout.write(
      flags.json
        ? `${JSON.stringify(inspection, null, 2)}\n`
        : `${withFlagNames(formatInspection(inspection))}\n`,
    );
  });
}

/** `inspect --probe`: the preset probe's table and its recommendation (JSON with --json). */
async function probe(modelPath: string, where: string, flags: InspectFlags): Promise<void> {
  const images = await probeImages(where);
  const head = headOverridesFromFlags(flags);
  const model = await CamModel.load(modelPath, { device: 'cpu', ...(head === undefined ? {} : { head }) });
  try {
    const result = await probePresets(model, images);
    const choice = choosePreset(result);
    process.stdout.write(
      flags.json
        ? `${JSON.stringify({ ...result, recommended: choice.preset, reason: choice.reason }, null, 2)}\n`
        : `${formatProbeTable(result, choice.preset)}\nwhy: ${choice.reason}\n`,
    );
  } finally {
    await model.release();
  }
}

/** A dataset folder's first images with their labels, or the photos a path or pattern names. */
async function probeImages(where: string): Promise<ProbeImage[]> {
  let folder = false;
  try {
    folder = statSync(where).isDirectory();
  } catch {
    // a pattern or a missing path: discoverImages says which
  }
  if (folder) {
    const dataset = await readDataset(resolve(where));
    if (dataset.items.length > 0)
      return dataset.items.map((item) => ({ file: item.file, label: item.classIndex }));
  }
  const files = await discoverImages([where], process.cwd(), () => {});
  if (files.length === 0) throw new UsageError(`no images in ${where}`);
  return files.map((file) => ({ file }));
}
