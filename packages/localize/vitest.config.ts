import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'localize',
    include: ['test/**/*.test.ts'],
  },
});
