import { basename } from 'node:path';
import { CamModel, describeError, type HeadOverrides } from '@cam-localize/core';
import { parseThreshold } from '@cam-localize/localize';
import type { Command } from 'commander';
import { headOverridesFromFlags, nonNegativeInteger } from '../options.js';
import { galleryRenderer } from '../pipeline/gallery.js';
import { ImageEvaluator } from '../pipeline/image-evaluator.js';
import { exitOnInterrupt } from '../pipeline/interrupt.js';
import { type RunConfig, readRunConfig } from '../pipeline/run-config.js';
import { RunDirectory } from '../pipeline/run-dir.js';
import { RunLock } from '../pipeline/run-lock.js';
import { recordedPathCheck } from '../reporting/recorded-paths.js';
import { describeWritten } from '../reporting/written-files.js';
import { buildReports } from '../reporting.js';
import { protocolFor } from './run.js';

interface ReportFlags {
  gallery: number | false;
  json?: boolean;
}

/** `cam-localize report <run-dir>`: rebuilds metrics, CSV and reports from a run's results. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('rebuild metrics.json, results.csv and the Markdown/HTML reports of a run directory')
    .argument('<run-dir>', 'a directory written by `cam-localize run`')
    .option(
      '--gallery <n>',
      'examples per gallery (well localized across sizes, each failure mode; re-runs the model on them)',
      nonNegativeInteger('--gallery'),
      8,
    )
    .option('--no-gallery', 'no example images (does not need the model)')
    .option('--json', 'print the metrics as JSON on stdout')
    .action(async (dir: string, flags: ReportFlags) => {
      const config = await readRunConfig(dir);
      const lock = RunLock.acquire(dir, 'report');
      const stopHandlingInterrupts = exitOnInterrupt(
        () => `run \`cam-localize report ${dir}\` again`,
        () => lock.release(),
      );
      const galleryCount = flags.gallery === false ? 0 : flags.gallery;
      let model: CamModel | undefined;
      let render: Parameters<typeof buildReports>[1]['render'];
      if (galleryCount > 0 && config.model) {
        try {
          model = await CamModel.load(config.model, {
            device: 'cpu',
            ...(config.preprocess ? { preprocess: config.preprocess } : {}),
            ...(config.head === undefined ? {} : headOf(config.head)),
          });
          const evaluator = new ImageEvaluator(model, protocolFor(config), {
            threshold: parseThreshold(config.threshold),
            mode: config.boxes ?? 'largest',
            connectivity: config.connectivity === 4 ? 4 : 8,
            minArea: config.minArea ?? 1,
            method: config.method ?? 'cam',
            normalization: config.normalization ?? 'relu-minmax',
            camOptions: config.compat === undefined ? {} : { compat: config.compat },
          });
          render = galleryRenderer(model, evaluator, recordedPathCheck(dir, config.dataset));
        } catch (error) {
          process.stderr.write(`report: no gallery (${describeError(error)})\n`);
        }
      }
      try {
        const summary = await buildReports(dir, {
          ...(render ? { render } : {}),
          galleryCount,
          writeReports: true,
        });
        // results.jsonl is what report reads, not what it writes.
        const written = summary.files.filter((f) => basename(f) !== RunDirectory.RESULTS);
        process.stderr.write(`report: ${describeWritten(dir, written)}\n`);
        if (flags.json) process.stdout.write(`${JSON.stringify(summary.metrics, null, 2)}\n`);
      } finally {
        stopHandlingInterrupts();
        lock.release();
        await model?.release();
      }
    });
}

/** The head options a run was made with, from its config.json. */
function headOf(head: RunConfig['head']): { head?: HeadOverrides } {
  const overrides = headOverridesFromFlags({
    ...(head.featureTensor ? { featureTensor: head.featureTensor } : {}),
    ...(head.classifierWeights ? { classifierWeights: head.classifierWeights } : {}),
    ...(head.classifierBias ? { classifierBias: head.classifierBias } : {}),
    ...(head.tokenGrid ? { tokenGrid: head.tokenGrid } : {}),
    ...(typeof head.skipTokens === 'number' ? { skipTokens: head.skipTokens } : {}),
  });
  return overrides === undefined ? {} : { head: overrides };
}
