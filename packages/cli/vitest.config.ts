import { defineConfig } from 'vitest/config';

// These tests run the real CLI, which starts real processes: generous timeouts, one file at a time.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 30_000, fileParallelism: false } });
