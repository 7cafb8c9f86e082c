import { buildServer, killAllChildren } from '@kvbench/launcher';
import type { TestProject } from 'vitest/node';
import { serversUnderTest } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Per server name: null if it built, else the build's error with its output. */
    buildErrors: Record<string, string | null>;
  }
}

/** Builds each server once for the whole run, one at a time; a failed build fails only that server's suite. */
export default async function setup(project: TestProject): Promise<() => void> {
  const buildErrors: Record<string, string | null> = {};
  for (const def of await serversUnderTest()) {
    try {
      await buildServer(def);
      buildErrors[def.manifest.name] = null;
    } catch (error) {
      buildErrors[def.manifest.name] = (error as Error).message;
    }
  }
  project.provide('buildErrors', buildErrors);
  return () => killAllChildren();
}
