import { defineConfig } from 'vitest/config';

// Load tests share a 2-core machine with the servers they load: one file at a time keeps them small and honest.
export default defineConfig({ test: { fileParallelism: false, testTimeout: 60_000, hookTimeout: 30_000 } });
