import { formatInspection, inspectModel } from '@cam-localize/core';
import type { Command } from 'commander';

interface InspectFlags {
  json?: boolean;
  featureTensor?: string;
  classifierWeights?: string;
  classifierBias?: string;
}

/** `cam-localize inspect <model>`: what the tool sees in a model; non-zero when CAM cannot apply. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show the input, feature map and head of an ONNX model, and whether CAM applies')
    .argument('<model>', 'the ONNX model')
    .option('--json', 'print JSON')
    .option('--feature-tensor <name>', 'use this tensor as the feature map')
    .option('--classifier-weights <name>', 'initializer [C,K] of the classifier')
    .option('--classifier-bias <name>', 'initializer [C] of the classifier bias')
    .action(async (model: string, flags: InspectFlags) => {
      const overrides = {
        ...(flags.featureTensor === undefined ? {} : { featureTensor: flags.featureTensor }),
        ...(flags.classifierWeights === undefined ? {} : { classifierWeights: flags.classifierWeights }),
        ...(flags.classifierBias === undefined ? {} : { classifierBias: flags.classifierBias }),
      };
      const inspection = await inspectModel(model, overrides);
      process.stdout.write(
        flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : `${formatInspection(inspection)}\n`,
      );
    });
}
