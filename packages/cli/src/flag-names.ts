/**
 * The libraries speak their own words: an option in a message or hint is written in backticks by
 * its library name, alone or with a value (`` `maxPixels` ``, `` `device: cpu` ``). The command
 * line says the flag instead (`--max-pixels`, `--device cpu`): one table, from the libraries'
 * option names to this command's flags. A name missing here stays as the library wrote it.
 */

/** Library option name -> the flag that sets it. */
export const LIBRARY_OPTION_FLAGS: Readonly<Record<string, string>> = {
  allowOutsideRoot: '--allow-outside-root',
  allowSvg: '--allow-svg',
  backprop: '--layer',
  batchSize: '--batch',
  camOnDevice: '--cam-on-device',
  camSamples: '--cam-samples',
  camSigma: '--cam-sigma',
  classifierBias: '--classifier-bias',
  classifierWeights: '--classifier-weights',
  compat: '--compat',
  crop: '--crop',
  device: '--device',
  featureTensor: '--feature-tensor',
  labels: '--labels',
  layer: '--layer',
  maxBatchPixels: '--max-batch-pixels',
  maxInputPixels: '--max-input-pixels',
  maxPixels: '--max-pixels',
  method: '--method',
  preset: '--preset',
  resize: '--resize',
  skipTokens: '--skip-tokens',
  target: '--target',
  tokenGrid: '--token-grid',
  trustSizes: '--trust-sizes',
  workers: '--workers',
};

/** `` `name` `` and `` `name: value` `` as flags (`--name`, `--name value`) where the table knows the name. */
export function withFlagNames(text: string): string {
  return text.replace(/`([a-z][A-Za-z]*)(?:: ([^`]*))?`/g, (whole, name: string, value?: string) => {
    const flag = LIBRARY_OPTION_FLAGS[name];
    if (flag === undefined) return whole;
    return value === undefined ? flag : `${flag} ${value}`;
  });
}
