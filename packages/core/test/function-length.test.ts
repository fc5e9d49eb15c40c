/**
 * No function of any package's src is over 100 lines (issue 30, item 6), except the algorithm
 * kernels listed here, each of which says at the top of its file why it stays whole. Measured on
 * the syntax tree (TypeScript's parser), so it holds for code no test runs.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGES, PACKAGES_DIR as packages, sources } from './package-sources.js';

const LIMIT = 100;

/** Kernels allowed past the limit: `file:function`, each explained at the top of its file. */
const KERNELS = new Set([
  'localize/src/wsol/opencv-contours.ts:findContoursTree',
  'localize/src/sweep/wsol-sweep.ts:wsolBoxSweepQuantized',
  'localize/src/sweep/wsol-background-pass.ts:backgroundPass',
  'eval/src/datasets/xml.ts:parseXml',
]);

/** Every function longer than the limit: `file:name` and its length in lines. */
function longFunctions(): Map<string, number> {
  const found = new Map<string, number>();
  for (const pkg of PACKAGES) {
    for (const file of sources(join(packages, pkg, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const tree = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
          const first = tree.getLineAndCharacterOfPosition(node.getStart()).line;
          const last = tree.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (last - first + 1 > LIMIT) {
            const named =
              node.name?.getText() ??
              (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : `line ${first + 1}`);
            found.set(`${relative(packages, file)}:${named}`, last - first + 1);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(tree);
    }
  }
  return found;
}

describe('function length', () => {
  const found = longFunctions();

  it(`no function over ${LIMIT} lines but the listed kernels`, () => {
    expect([...found.keys()].filter((name) => !KERNELS.has(name))).toEqual([]);
  });

  it('each kernel is still long (else it leaves the list) and says at its file top why it stays whole', () => {
    for (const kernel of KERNELS) {
      expect(found.has(kernel), kernel).toBe(true);
      const [file, name] = kernel.split(':') as [string, string];
      const header = readFileSync(join(packages, file), 'utf8').split('*/')[0]!;
      expect(header, kernel).toContain(`\`${name}\``);
      expect(header, kernel).toMatch(/stays one function/);
    }
  });
});
