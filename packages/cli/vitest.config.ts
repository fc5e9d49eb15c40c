import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts'],
    // Real sessions and child processes on a 2-core machine: generous limits, never timing assertions.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
