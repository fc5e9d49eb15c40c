/**
 * How the command prints a fatal error. The libraries' messages serve two readers: their hints
 * name the CLI's flags and, for library callers, the option beside it. On the command line only the
 * flags are said. A device that cannot run is said in two lines, pointing to `doctor`, which finds
 * out why and how to fix it (the library's error carries that diagnosis on one long line).
 */
import { DeviceError, describeError } from '@cam-localize/core';

const LONGEST = 160;

/** `cam-localize: <file>: <message> (<hint>)` with the library's option names taken out. */
export function describeFatalError(error: unknown): string {
  if (error instanceof DeviceError) return describeDeviceError(error);
  return `cam-localize: ${withoutLibraryOptions(describeError(error))}`;
}

/**
 * Drops `(detectCamHead options featureTensor / ...)`, `(CamModel.load option backprop; ...)` and
 * `; maxPixels in the library`: what a library caller passes, not what a command-line user types.
 */
export function withoutLibraryOptions(text: string): string {
  return text
    .replace(/\s*\([A-Z]?[A-Za-z]+(?:\.[A-Za-z]+)? (?:head )?options? [^()]*\)/g, '')
    .replace(/;\s*[a-z][A-Za-z]* in the library/g, '');
}

export function describeDeviceError(error: DeviceError): string {
  const device = /device '([^']+)'/.exec(error.message)?.[1] ?? 'cuda';
  const what = error.message
    .split('\n')[0]!
    .trim()
    .replace(/\s*\([^()]*\)$/, '');
  const short = what.length > LONGEST ? `${what.slice(0, LONGEST - 1)}…` : what;
  return (
    `cam-localize: ${short}\n` +
    `  run \`cam-localize doctor --device ${device.split(':')[0]}\` for the cause and the fix, or use --device cpu`
  );
}
