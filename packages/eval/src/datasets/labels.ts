/**
 * Class lists: one class per line, line i (counting non-blank lines from 0) is class i. A line is
 * `key rest...`: the key is the first whitespace-separated token (an ImageNet wnid such as
 * n01440764, or a VOC name such as aeroplane) and the rest, when present, the readable name
 * (`synsets.txt`, `LOC_synset_mapping.txt`, `imagenet-synsets.txt` all have this shape).
 * Names map to indices through the key only: "raccoon" is not an ImageNet key and maps to -1.
 */
import type { DataError } from '@cam-localize/core';
import { dataError, lines, readText, withoutControl } from './text.js';

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
    const key = withoutControl(m[1]!, file, n, 'class key');
    // A tab inside a readable name is a separator someone typed: it reads as a space.
    const name = withoutControl((m[2] ?? key).replace(/\t/g, ' '), file, n, 'class name');
    if (index.has(key))
      throw dataError(
        file,
        n,
        `class ${JSON.stringify(key)} is listed twice (first on line ${index.get(key)! + 1})`,
      );
    index.set(key, keys.length);
    keys.push(key);
    names.push(name);
  }
  if (keys.length === 0) throw dataError(file, undefined, 'class list is empty');
  return { file, keys, names, indexOf: (key: string) => index.get(key) ?? -1 };
}

export async function readClassList(file: string): Promise<ClassList> {
  return parseClassList(await readText(file), file);
}

/** A class name as an annotation spells it, and where. */
export interface NamedClass {
  name: string;
  file: string;
  line: number | undefined;
}

/**
 * The problems of a dataset's class names against its class list. A list that knows some of the
 * names must know all of them: one unknown name among known ones is a typo, and would silently
 * count its image as a localization miss. A dataset none of whose names is in the list (raccoon
 * photos against ImageNet's wnids) is class-agnostic: every image gets class -1, and no problem.
 */
export function unknownClassNames(classes: ClassList, named: readonly NamedClass[]): DataError[] {
  const unknown = named.filter((n) => classes.indexOf(n.name) < 0);
  if (unknown.length === named.length) return [];
  return unknown.map((n) =>
    dataError(
      n.file,
      n.line,
      `class ${JSON.stringify(n.name)} is not in the class list ${classes.file}`,
      'the other names of this dataset are in it: fix the name or add the class',
    ),
  );
}
