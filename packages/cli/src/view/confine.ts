/**
 * The one way a URL path becomes a file the view server reads: relative to one root folder, after
 * one percent-decoding, with no `..` or `.` segment (raw or encoded), no absolute path, no
 * backslash or NUL, and a real path (links resolved) that stays inside the root's real path.
 * Anything else is refused (undefined), before the file is opened.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

/** The decoded relative path of `urlPath`, or undefined when it is not a plain path inside a folder. */
export function plainRelativePath(urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded === '' || decoded.includes('\0') || decoded.includes('\\') || decoded.includes('%'))
    return undefined;
  if (decoded.startsWith('/') || isAbsolute(decoded)) return undefined;
  const parts = decoded.split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === '')) return undefined;
  return decoded;
}

/** The real path of the regular file `urlPath` names inside `root`, or undefined (refused or absent). */
export async function fileInside(root: string, urlPath: string): Promise<string | undefined> {
  const rel = plainRelativePath(urlPath);
  if (rel === undefined) return undefined;
  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, rel));
    const back = relative(realRoot, real);
    if (back === '' || back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}
