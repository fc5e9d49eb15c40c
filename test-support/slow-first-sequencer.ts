/**
 * The order `pnpm test` starts its files in. Vitest's own order runs the projects one after
 * another (cli, core, eval, localize) and, without a cache of past durations (CI's clean clone),
 * the largest files first within each: a short file that runs for minutes (eval's faithfulness
 * acceptance is 32 lines) then starts near the end and leaves the other core idle. The files that
 * cost the most CPU (measured with vitest's JSON report) start first, whatever their package;
 * the rest follow in vitest's order.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files by measured cost, the costliest first (paths from the repository root). */
export const SLOW_FILES: readonly string[] = [
  'packages/eval/test/faithfulness/acceptance.test.ts',
  'packages/eval/test/parallel/parallel.test.ts',
  'packages/core/test/onnx/cam-graph-testbed.test.ts',
  'packages/cli/test/commands/gradients.test.ts',
  'packages/core/test/grad/device-maps-testbed.test.ts',
  'packages/core/test/runtime/worker.test.ts',
  'packages/core/test/grad/golden-gradients.test.ts',
  'packages/core/test/cam/ablation-passes.test.ts',
  'packages/core/test/grad/backprop-model.test.ts',
  'packages/core/test/runtime/session.test.ts',
  'packages/core/test/image/memory-bounds.test.ts',
  'packages/cli/test/commands/pipeline.test.ts',
  'packages/cli/test/commands/preprocess-trust.test.ts',
  'packages/core/test/pipeline/task-pool.test.ts',
  'packages/cli/test/commands/faithfulness.test.ts',
  'packages/cli/test/commands/protocol.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const at = SLOW_FILES.indexOf(relative(this.ctx.config.root, spec.moduleId).replaceAll('\\', '/'));
      return at < 0 ? SLOW_FILES.length : at;
    };
    // Array sort is stable: files not in the list keep vitest's order among themselves.
    return ordered.sort((a, b) => rank(a) - rank(b));
  }
}
