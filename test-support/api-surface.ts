/**
 * A package's public surface as text: every name an entry file exports, one per line, marked
 * `value` (exists at run time) or `type` (erased). The API-surface tests compare it with a
 * committed snapshot so that adding or removing a public name is a deliberate, reviewed change
 * (update with `vitest run -u` and say why in the commit).
 */
import ts from 'typescript';

export function apiSurface(entryFile: string): string {
  const program = ts.createProgram([entryFile], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entryFile);
  if (source === undefined) throw new Error(`${entryFile}: not found`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${entryFile}: not a module`);
  const lines = checker.getExportsOfModule(moduleSymbol).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const kind = target.flags & ts.SymbolFlags.Value ? 'value' : 'type';
    return `${kind} ${symbol.getName()}`;
  });
  return `${lines.sort().join('\n')}\n`;
}

/** How many runtime values a surface lists. */
export function valueCount(surface: string): number {
  return surface.split('\n').filter((line) => line.startsWith('value ')).length;
}
