import { basename, join } from 'node:path';
import { UsageError } from '@cam-localize/core';
import type { Command } from 'commander';
import { positiveInteger } from '../options.js';
import { writeComparison } from '../reporting/compare-report.js';
import { assertSameDataset, loadComparedRun } from '../reporting/compare-runs.js';

interface CompareFlags {
  out?: string;
  images: number;
  pictures: boolean;
}

/** Where `compare` writes without --out: runs/compare-<A>-vs-<B>[-vs-...] under the current folder. */
export function defaultCompareOut(dirs: readonly string[]): string {
  return join('runs', `compare-${dirs.map((d) => basename(d.replace(/[/\\]+$/, '')) || 'run').join('-vs-')}`);
}

/** `cam-localize compare RUN_A RUN_B [...]`: one page with the runs side by side. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'compare run directories of one dataset: metrics side by side, curves overlaid, per-class differences, disagreeing images',
    )
    .argument('<runs...>', 'two or more directories written by `cam-localize run` on the same dataset')
    .option('--out <dir>', 'where compare.html, compare.md and figures/ go (default runs/compare-<A>-vs-<B>)')
    .option(
      '--images <n>',
      'images where the runs disagree most, tabled and drawn',
      positiveInteger('--images'),
      8,
    )
    .option('--no-pictures', 'table the disagreeing images without drawing them (reads no image file)')
    .addHelpText(
      'before',
      'Exits 2 when the runs were made on different datasets (other images or ground truth).\n',
    )
    .action(async (dirs: string[], flags: CompareFlags) => {
      if (dirs.length < 2) throw new UsageError('compare needs at least two run directories');
      const runs = [];
      for (const [i, dir] of dirs.entries()) runs.push(await loadComparedRun(dir, i));
      const notes = assertSameDataset(runs);
      const out = flags.out ?? defaultCompareOut(dirs);
      const files = await writeComparison(runs, {
        out,
        images: flags.images,
        pictures: flags.pictures,
        notes,
      });
      for (const note of notes) process.stderr.write(`compare: note: ${note}\n`);
      process.stderr.write(
        `compare: ${runs.length} runs, ${runs[0]!.images.size} images; wrote ${files.map((f) => f.replace(`${out}/`, '')).join(', ')} in ${out}\n`,
      );
    });
}
