import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds every server once per run, before any test file.
    globalSetup: ['test/global-setup.ts'],
    // Cases wait on timers and restart servers; the concurrency case runs 6000 requests on a shared 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One server at a time: never 3 servers × many cases at once on 2 cores.
    fileParallelism: false,
    reporters: ['default'],
  },
});
