/**
 * Exit codes of the `cam-localize` command, the same for every command (the README's table):
 * 0 ok; 1 some images failed or a metric is incomplete (for `inspect`/`doctor`: the model or device
 * cannot be used), or the file system failed under the command; 2 usage or input errors; 130
 * interrupted. An error about a single image never ends a command (it is recorded and the run goes
 * on), so the errors that reach `exitCodeFor` are the command's own.
 */
import { CamLocalizeError, type CamLocalizeErrorCode, UsageError } from '@cam-localize/core';

export const EXIT_OK = 0;
/** Some images failed, a metric is incomplete, or the system failed under the command. */
export const EXIT_FAILURE = 1;
/** Bad arguments or inputs: nothing the command could have run on. */
export const EXIT_USAGE = 2;

/** Error codes that mean the user's arguments or input files are wrong, not the run. */
const INPUT_ERROR_CODES: ReadonlySet<CamLocalizeErrorCode> = new Set<CamLocalizeErrorCode>([
  'E_USAGE',
  'E_GRADIENT',
  'E_MODEL_READ',
  'E_MODEL_FORMAT',
  'E_HEAD_NOT_FOUND',
  'E_DEVICE',
  'E_PREPROCESS',
  'E_LABELS',
  'E_ANNOTATION',
  'E_DATASET',
  'E_NPY',
]);

/**
 * The exit code for an error that ended a command: 2 for usage and input errors, 1 for everything
 * else: a file-system refusal or failure under the command (E_FILE: a write error, a link out of
 * an output folder), a crashed session, a bug.
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof CamLocalizeError && INPUT_ERROR_CODES.has(error.code)) return EXIT_USAGE;
  return EXIT_FAILURE;
}
