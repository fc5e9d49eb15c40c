import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { mergeEvalParts } from '../pipeline/eval-parts.js';
import { mergeShards } from '../pipeline/merge-shards.js';
import { RunLock } from '../pipeline/run-lock.js';
import { buildReports } from '../reporting.js';

interface MergeFlags {
  out: string;
  overwrite?: boolean;
  report: boolean;
  json?: boolean;
}

/** `cam-localize merge <shard-dir...> --out <dir>`: the shards of `run --shard` as one run directory. */
export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description(
      'merge the run directories of `run --shard K/N` into one run directory (checks one configuration, every image exactly once)',
    )
    .argument(
      '<shards...>',
      'run directories of `cam-localize run --shard K/N`, or the part files of `eval --shard K/N --out <file>`',
    )
    .requiredOption('--out <path>', 'the merged run directory (for eval parts: the metrics JSON file)')
    .option('--overwrite', 'replace the run in --out')
    .option('--no-report', 'skip the Markdown/HTML reports (metrics.json and results.csv are written)')
    .option('--json', 'print the metrics as JSON on stdout')
    .action(async (dirs: string[], flags: MergeFlags) => {
      if (dirs.every((path) => statSync(path, { throwIfNoEntry: false })?.isFile())) {
        const metrics = await mergeEvalParts(dirs, flags.out);
        process.stderr.write(
          `merge: ${dirs.length} eval parts, ${metrics.images.total} images; wrote ${flags.out}\n`,
        );
        if (flags.json) process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
        return;
      }
      const merged = await mergeShards(dirs, flags.out, { overwrite: flags.overwrite === true });
      const lock = RunLock.acquire(flags.out, 'merge');
      try {
        // No gallery: it re-runs the model; `report <out>` renders one.
        const summary = await buildReports(flags.out, { galleryCount: 0, writeReports: flags.report });
        process.stderr.write(
          `merge: ${merged.shards} shards, ${merged.images} images; wrote ${summary.files
            .map((f) => f.replace(`${flags.out}/`, ''))
            .join(', ')} in ${flags.out}\n`,
        );
        if (flags.json) process.stdout.write(`${JSON.stringify(summary.metrics, null, 2)}\n`);
      } finally {
        lock.release();
      }
    });
}
