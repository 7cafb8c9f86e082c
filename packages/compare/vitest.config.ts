import { defineConfig } from 'vitest/config';

// These tests start real processes and drive real load: generous timeouts, one file at a time on 2 cores.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 30_000, fileParallelism: false } });
