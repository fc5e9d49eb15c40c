/**
 * How the command prints a fatal error. The libraries name their options in their own words
 * (`` `maxPixels` ``); the command line says its flags (flag-names.ts). A device that cannot run
 * is said in two lines, pointing to `doctor`, which finds out why and how to fix it (the library's
 * error carries that diagnosis on one long line).
 */
import { DeviceError, describeError } from '@cam-localize/core';
import { withFlagNames } from './flag-names.js';

const LONGEST = 160;

/** `cam-localize: <file>: <message> (<hint>)`, the library's option names said as flags. */
export function describeFatalError(error: unknown): string {
  if (error instanceof DeviceError) return describeDeviceError(error);
  return `cam-localize: ${describeCliError(error)}`;
}

/** One line for an error, as the command line says it (an image's error record, a warning). */
export function describeCliError(error: unknown): string {
  return withFlagNames(describeError(error));
}

export function describeDeviceError(error: DeviceError): string {
  const device = /device '([^']+)'/.exec(error.message)?.[1] ?? 'cuda';
  const what = withFlagNames(error.message)
    .split('\n')[0]!
    .trim()
    .replace(/\s*\([^()]*\)$/, '');
  const short = what.length > LONGEST ? `${what.slice(0, LONGEST - 1)}…` : what;
  return (
    `cam-localize: ${short}\n` +
    `  run \`cam-localize doctor --device ${device.split(':')[0]}\` for the cause and the fix, or use --device cpu`
  );
}
