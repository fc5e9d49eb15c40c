import { defineConfig } from 'vitest/config';

/** One root config, one project per package; tests live in each package's test/ folder. */
export default defineConfig({
  test: {
    projects: ['packages/*'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
