/**
 * The import graph of every package's src: no circle (type-only imports included: a circle of
 * types is still two modules that cannot be read one without the other) and no reach into another
 * package's src. Read from the files, so it holds for modules no test imports.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGES, PACKAGES_DIR as packages, sources } from './package-sources.js';

/** Relative imports and re-exports of a file, resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gm)].map((m) =>
    resolve(dirname(file), m[1]!).replace(/\.c?js$/, (ext) => (ext === '.cjs' ? '.cts' : '.ts')),
  );
}

/** Strongly connected components of more than one module (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import graph', () => {
  for (const pkg of PACKAGES) {
    const src = join(packages, pkg, 'src');
    const graph = new Map(sources(src).map((f) => [f, importsOf(f)]));

    it(`${pkg}: no import circle`, () => {
      expect(circles(graph).map((c) => c.map((f) => relative(src, f)).sort())).toEqual([]);
    });

    it(`${pkg}: no relative import leaves its src`, () => {
      const outside = [...graph.entries()].flatMap(([f, deps]) =>
        deps.filter((d) => relative(src, d).startsWith('..')).map((d) => `${relative(src, f)} -> ${d}`),
      );
      expect(outside).toEqual([]);
    });
  }

  it('finds a circle when there is one (the check can fail)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(circles(graph).map((c) => c.sort())).toEqual([['a', 'b', 'c']]);
  });
});
