import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'eval',
    include: ['test/**/*.test.ts'],
    // Real sessions and child processes on a 2-core machine: generous limits, never timing assertions.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One process runs several of these files (no test here stubs globals, the environment or timers): a fresh
    // process and vitest's set-up per file cost ~0.3 CPU-s each (localize: 19.6 -> 17.1 CPU-s).
    isolate: false,
  },
});
