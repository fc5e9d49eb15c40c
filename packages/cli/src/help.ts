/**
 * What `--help` adds to every command: a few examples after the options, and "(required)" on
 * options the command cannot run without (commander checks them but does not say so in help).
 * The examples live here, in one table, so every command (a new one too) gets them the same way.
 */
import type { Command } from 'commander';

export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  run: [
    'cam-localize run data/ilsvrc-val --model mobilenetv2.onnx --preset mobilenet --out runs/mnv2',
    'cam-localize run data/ilsvrc-val --model resnet50.onnx --protocol wsolevaluation --out runs/wsol',
    'cam-localize run data/ilsvrc-val --model resnet50.onnx --out runs/wsol --resume   # after an interrupt',
  ],
  predict: [
    'cam-localize predict photos/ --model mobilenetv2.onnx --preset mobilenet   # a table on a terminal',
    "cam-localize predict 'photos/**/*.jpg' --model m.onnx > results.jsonl   # JSON lines when piped",
    'cam-localize predict photos/ --model m.onnx --out runs/p --overlays --colormap turbo --alpha 0.4',
  ],
  eval: [
    'cam-localize eval data/ilsvrc-val --cams cams/ --json',
    'cam-localize eval data/cub --cams cams/ --split test --boxes largest   # MaxBoxAcc V1',
  ],
  inspect: ['cam-localize inspect model.onnx', 'cam-localize inspect model.onnx --json'],
  doctor: ['cam-localize doctor', 'cam-localize doctor --device cuda --json'],
  report: [
    'cam-localize report runs/mnv2',
    'cam-localize report runs/mnv2 --no-gallery   # without the model',
  ],
  merge: [
    'cam-localize merge runs/x/shard-* --out runs/x/merged',
    'cam-localize merge parts/eval-*.json --out metrics.json   # parts written by eval --shard',
  ],
  compare: [
    'cam-localize compare runs/t02 runs/t035 --out runs/threshold-study',
    'cam-localize compare runs/cam runs/gradcam runs/scorecam --images 12',
  ],
  view: [
    'cam-localize view runs/sample --open',
    'cam-localize view runs/cam runs/gradcam',
    'cam-localize view runs/sample --export site/sample-view',
  ],
};

/** The top-level `--help`'s examples: a first run, a look at the results, a check of the set-up. */
export const PROGRAM_EXAMPLES: readonly string[] = [
  'cam-localize doctor   # which devices work here',
  'cam-localize inspect model.onnx   # does CAM apply, which preprocessing',
  'cam-localize run data/ilsvrc-val --model mobilenetv2.onnx --preset mobilenet --out runs/mnv2',
  'cam-localize predict photos/ --model mobilenetv2.onnx --out runs/p --overlays',
  'cam-localize view runs/mnv2 --open',
];

/**
 * Adds the examples of the program and of each command, marks mandatory options "(required)", and
 * drops from an option's help the clauses about a flag its command does not have (predict shares
 * run's CAM options but has no --protocol).
 */
export function decorateHelp(program: Command): void {
  program.addHelpText('after', examplesText(PROGRAM_EXAMPLES));
  for (const command of program.commands) {
    const flags = new Set(command.options.map((option) => option.long));
    for (const option of command.options) {
      option.description = withoutAbsentFlags(option.description, flags);
      if (option.mandatory && !option.description.includes('(required)')) {
        option.description = `${option.description} (required)`;
      }
    }
    const examples = EXAMPLES[command.name()];
    if (examples !== undefined && examples.length > 0) {
      command.addHelpText('after', examplesText(examples));
    }
  }
}

function examplesText(examples: readonly string[]): string {
  return `\nExamples:\n${examples.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/** `(default largest; under --protocol: ...)` becomes `(default largest)` where there is no --protocol. */
export function withoutAbsentFlags(description: string, flags: ReadonlySet<string | undefined>): string {
  return description.replace(/;[^;()]*(--[a-z][a-z-]*)[^;()]*(?=\))/g, (clause, flag: string) =>
    flags.has(flag) ? clause : '',
  );
}
