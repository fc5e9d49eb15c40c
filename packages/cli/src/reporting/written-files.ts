/**
 * The files a command wrote, said once: names relative to the run directory (which the line names
 * at its end, so no path is printed twice), the gallery's pictures counted rather than listed.
 */
import { isAbsolute, relative, sep } from 'node:path';

export function describeWritten(dir: string, files: readonly string[]): string {
  const names: string[] = [];
  let pictures = 0;
  for (const file of files) {
    const name = relative(dir, file);
    const inside = name !== '' && !name.startsWith('..') && !isAbsolute(name);
    const shown = inside ? name.split(sep).join('/') : file;
    if (inside && /^gallery\/[^/]+\.jpg$/.test(shown)) pictures++;
    else names.push(shown);
  }
  if (pictures > 0) names.push(`gallery/ (${pictures} ${pictures === 1 ? 'picture' : 'pictures'})`);
  return `wrote ${names.join(', ')} in ${dir}`;
}
