import { formatInspection, inspectModel } from '@cam-localize/core';
import type { Command } from 'commander';
import {
  addTokenOptions,
  type HeadFlags,
  headOverridesFromFlags,
  layerRequestFromFlags,
} from '../options.js';

interface InspectFlags extends HeadFlags {
  json?: boolean;
  layers?: boolean;
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
    .option('--layers', 'list the candidate layers (module outputs) with their shapes');
  addTokenOptions(command).action(async (model: string, flags: InspectFlags) => {
    const backprop = layerRequestFromFlags(flags, 'gradcam');
    const inspection = await inspectModel(model, headOverridesFromFlags(flags) ?? {}, {
      ...(flags.layer === undefined ? {} : { backprop: backprop! }),
      ...(flags.layers === true ? { layers: true } : {}),
    });
    process.stdout.write(
      flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : `${formatInspection(inspection)}\n`,
    );
  });
}
