import { formatInspection, inspectModel } from '@cam-localize/core';
import type { Command } from 'commander';
import { addTokenOptions, type HeadFlags, headOverridesFromFlags } from '../options.js';

interface InspectFlags extends HeadFlags {
  json?: boolean;
}

/** `cam-localize inspect <model>`: what the tool sees in a model; non-zero when CAM cannot apply. */
export function registerInspect(program: Command): void {
  const command = program
    .command('inspect')
    .description('show the input, feature map and head of an ONNX model, and whether CAM applies')
    .argument('<model>', 'the ONNX model')
    .option('--json', 'print JSON')
    .option('--feature-tensor <name>', 'use this tensor as the feature map (or, with tokens, [N,T,C])')
    .option('--classifier-weights <name>', 'initializer [C,K] of the classifier')
    .option('--classifier-bias <name>', 'initializer [C] of the classifier bias');
  addTokenOptions(command).action(async (model: string, flags: InspectFlags) => {
    const inspection = await inspectModel(model, headOverridesFromFlags(flags) ?? {});
    process.stdout.write(
      flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : `${formatInspection(inspection)}\n`,
    );
  });
}
