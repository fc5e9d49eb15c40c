import { Command, CommanderError } from 'commander';
import { describeFatalError } from './error-messages.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { decorateHelp } from './help.js';
import { requiredOptionTypo } from './option-typos.js';
import { watchStdout } from './pipeline/closed-stdout.js';
import { VERSION } from './version.js';

type Register = (program: Command) => void;

/**
 * Each command's module, in the order help lists them, loaded only when needed: a command's module
 * graph (its pipeline, reports, server) is most of a short command's start-up (`inspect` loaded
 * 262 modules, 0.13 s of CPU more than its own), so a run loads its own command's alone.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./commands/run.js')).registerRun,
  predict: async () => (await import('./commands/predict.js')).registerPredict,
  eval: async () => (await import('./commands/eval.js')).registerEval,
  inspect: async () => (await import('./commands/inspect.js')).registerInspect,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  report: async () => (await import('./commands/report.js')).registerReport,
  merge: async () => (await import('./commands/merge.js')).registerMerge,
  compare: async () => (await import('./commands/compare.js')).registerCompare,
  view: async () => (await import('./commands/view.js')).registerView,
};

/**
 * Builds the `cam-localize` program; each command lives in its own module. Given the command line,
 * only the command it names is loaded (every command for help, --version or an unknown name, so
 * that commander lists them or suggests the nearest).
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('cam-localize')
    .description('Class activation maps, boxes and WSOL metrics from any ONNX image classifier.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(text) });
  const named = argv[0];
  const load =
    named !== undefined && Object.hasOwn(COMMANDS, named) ? [COMMANDS[named]!] : Object.values(COMMANDS);
  for (const register of await Promise.all(load.map((loader) => loader()))) register(program);
  decorateHelp(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs the command line and returns the exit code (the table in exit-codes.ts). Errors are
 * printed on one line to stderr; a run directory keeps whatever was finished.
 */
export async function main(argv: readonly string[]): Promise<number> {
  watchStdout();
  try {
    const program = await buildProgram(argv);
    const typo = requiredOptionTypo(program, argv);
    if (typo !== undefined) {
      process.stderr.write(`${typo}\n(run with --help for usage)\n`);
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      ) {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    process.stderr.write(`${describeFatalError(error)}\n`);
    return exitCodeFor(error);
  }
}
