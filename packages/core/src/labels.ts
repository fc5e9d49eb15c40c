/**
 * Class-name files: one class per line, in class-index order, optionally prefixed by a WordNet
 * id, e.g. `n01440764 tench, Tinca tinca` (the test bed's imagenet-synsets.txt) or plain
 * `tench`. Blank lines and lines starting with `#` are skipped (they take no class index).
 * The short name of a class is its first comma-separated name (`tench`), as ImageNet tools print.
 */
import { DataError } from './errors.js';
import { readRegularFile } from './files/regular-file.js';

export interface Labels {
  /** Short names (first comma-separated name), one per class. */
  readonly names: readonly string[];
  /** The full text after the wnid, one per class. */
  readonly fullNames: readonly string[];
  /** WordNet ids, or null for lines without one. */
  readonly wnids: readonly (string | null)[];
  /**
   * The class index of a wnid, a short name or a full name (case-insensitive for names), or -1.
   * Where several classes share a short name (ImageNet has two "crane"s), the first one.
   */
  indexOf(nameOrWnid: string): number;
  /** The short name of a class index, or `class <i>` when out of range. */
  nameOf(index: number): string;
}

const WNID = /^n\d{8}$/;

/** Parses the text of a labels file; `file` names it in errors. */
export function parseLabels(text: string, file = '<labels>'): Labels {
  const names: string[] = [];
  const fullNames: string[] = [];
  const wnids: (string | null)[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let wnid: string | null = null;
    let rest = line;
    const first = line.split(/\s+/, 1)[0]!;
    if (WNID.test(first)) {
      wnid = first;
      rest = line.slice(first.length).trim();
    } else if (/^n\d+$/.test(first) && line.split(/\s+/).length > 1) {
      throw new DataError('E_LABELS', `'${first}' looks like a WordNet id but is not n + 8 digits`, {
        file,
        line: i + 1,
      });
    }
    const full = rest === '' ? (wnid ?? '') : rest;
    const short = full.split(',')[0]!.trim();
    if (short === '') {
      throw new DataError('E_LABELS', `no class name on this line: ${JSON.stringify(raw)}`, {
        file,
        line: i + 1,
      });
    }
    names.push(short);
    fullNames.push(full);
    wnids.push(wnid);
  });
  if (names.length === 0) throw new DataError('E_LABELS', 'no class names in the file', { file });

  const index = new Map<string, number>();
  const add = (key: string, i: number) => {
    if (!index.has(key)) index.set(key, i);
  };
  wnids.forEach((w, i) => {
    if (w !== null) add(w, i);
  });
  names.forEach((n, i) => {
    add(n.toLowerCase(), i);
  });
  fullNames.forEach((n, i) => {
    add(n.toLowerCase(), i);
  });
  return {
    names,
    fullNames,
    wnids,
    indexOf(nameOrWnid: string): number {
      const key = nameOrWnid.trim();
      return index.get(key) ?? index.get(key.toLowerCase()) ?? -1;
    },
    nameOf(i: number): string {
      return names[i] ?? `class ${i}`;
    },
  };
}

/** Reads a labels file (see the module comment). Errors are DataErrors naming the file and line. */
export async function readLabels(path: string): Promise<Labels> {
  let text: string;
  try {
    text = await readRegularFile(path, 'utf8');
  } catch (error) {
    throw new DataError('E_LABELS', `cannot read labels file: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  return parseLabels(text, path);
}
