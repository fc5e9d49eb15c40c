/**
 * A mistyped required option (`--modle`): commander checks required options before unknown ones,
 * so it would say "required option '--model' not specified" and never name the typo. This finds
 * the unknown flag that is a near miss of a required option the command line lacks.
 */
import type { Command } from 'commander';

/** `error: unknown option '--modle'` with `(Did you mean --model?)`, or undefined when there is none. */
export function requiredOptionTypo(program: Command, argv: readonly string[]): string | undefined {
  const command = program.commands.find((c) => c.name() === argv[0]);
  if (command === undefined) return undefined;
  const known = new Set(
    [...command.options, ...program.options].flatMap((o) => [o.long, o.short]).filter(Boolean),
  );
  known.add('--help').add('-h');
  const given = argv.slice(1).filter((token) => token.startsWith('-') && token !== '--');
  const missing = command.options.filter(
    (o) =>
      o.mandatory && o.long !== undefined && !given.some((t) => t === o.long || t.startsWith(`${o.long}=`)),
  );
  for (const token of given) {
    const flag = token.split('=')[0]!;
    if (known.has(flag) || !flag.startsWith('--')) continue;
    const near = missing.find(
      (o) => editDistance(flag, o.long!) <= Math.max(1, Math.floor(o.long!.length / 4)),
    );
    if (near !== undefined) return `error: unknown option '${flag}'\n(Did you mean ${near.long}?)`;
  }
  return undefined;
}

/** Damerau-Levenshtein distance (optimal string alignment): a swap of two letters counts once. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
