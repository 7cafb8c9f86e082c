import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/main.test.ts runs the compiled server, as the benchmark does: build it first if it is stale.
    globalSetup: ['./test/global-setup.ts'],
  },
});
