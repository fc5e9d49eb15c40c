import { CamLocalizeError, describeError, UsageError } from '@cam-localize/core';
import { Command, CommanderError } from 'commander';
import { registerCompare } from './commands/compare.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEval } from './commands/eval.js';
import { registerInspect } from './commands/inspect.js';
import { registerMerge } from './commands/merge.js';
import { registerPredict } from './commands/predict.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerView } from './commands/view.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { decorateHelp } from './help.js';
import { watchStdout } from './pipeline/closed-stdout.js';
import { VERSION } from './version.js';

/** Builds the `cam-localize` program; each command lives in its own module. */
export function buildProgram(): Command {
  const program = new Command('cam-localize')
    .description('Class activation maps, boxes and WSOL metrics from any ONNX image classifier.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(text) });
  for (const register of [
    registerRun,
    registerPredict,
    registerEval,
    registerInspect,
    registerDoctor,
    registerReport,
    registerMerge,
    registerCompare,
    registerView,
  ])
    register(program);
  decorateHelp(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs the command line and returns the exit code: 0 ok, 1 failure, 2 usage error. Errors are
 * printed on one line to stderr; a run directory keeps whatever was finished.
 */
export async function main(argv: readonly string[]): Promise<number> {
  watchStdout();
  const program = buildProgram();
  try {
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
    process.stderr.write(`cam-localize: ${describeError(error)}\n`);
    if (error instanceof UsageError) return EXIT_USAGE;
    if (error instanceof CamLocalizeError && error.code === 'E_USAGE') return EXIT_USAGE;
    return EXIT_FAILURE;
  }
}
