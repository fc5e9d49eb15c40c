import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test-support/slow-first-sequencer.js';

/** Where CI asks for a machine-readable result too (see .ci/run). */
const jsonReport = process.env.CAM_LOCALIZE_TEST_JSON;

/** One root config, one project per package; tests live in each package's test/ folder. */
export default defineConfig({
  test: {
    projects: ['packages/*'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The costliest files first, across packages, so that neither core idles at the end.
    sequence: { sequencer: SlowFirstSequencer },
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
  },
});
