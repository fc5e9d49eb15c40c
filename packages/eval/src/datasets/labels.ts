/**
 * Class lists: one class per line, line i (counting non-blank lines from 0) is class i. A line is
 * `key rest...`: the key is the first whitespace-separated token (an ImageNet wnid such as
 * n01440764, or a VOC name such as aeroplane) and the rest, when present, the readable name
 * (`synsets.txt`, `LOC_synset_mapping.txt`, `imagenet-synsets.txt` all have this shape).
 * Names map to indices through the key only: "raccoon" is not an ImageNet key and maps to -1.
 */
import { dataError, lines, readText } from './text.js';

export interface ClassList {
  file: string;
  keys: string[];
  names: string[];
  /** Index of a key, or -1. */
  indexOf(key: string): number;
}

export function parseClassList(text: string, file: string): ClassList {
  const keys: string[] = [];
  const names: string[] = [];
  const index = new Map<string, number>();
  for (const { n, text: t } of lines(text)) {
    const m = /^\s*(\S+)(?:\s+(.*\S))?\s*$/.exec(t);
    if (m === null) continue;
    const key = m[1]!;
    if (index.has(key))
      throw dataError(
        file,
        n,
        `class ${JSON.stringify(key)} is listed twice (first on line ${index.get(key)! + 1})`,
      );
    index.set(key, keys.length);
    keys.push(key);
    names.push(m[2] ?? key);
  }
  if (keys.length === 0) throw dataError(file, undefined, 'class list is empty');
  return { file, keys, names, indexOf: (key: string) => index.get(key) ?? -1 };
}

export async function readClassList(file: string): Promise<ClassList> {
  return parseClassList(await readText(file), file);
}
