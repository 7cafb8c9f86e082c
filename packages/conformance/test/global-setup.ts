import { BuildOnce, killAllChildren, runtimeInfo } from '@kvbench/launcher';
import type { TestProject } from 'vitest/node';
import { serversUnderTest } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Per server name: null if it built, else the build's error with its output. */
    buildErrors: Record<string, string | null>;
  }
}

/**
 * Builds each server once for the whole run, one at a time (its runtimes share the build); a failed build fails only
 * the suites of the entries it is for.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const buildErrors: Record<string, string | null> = {};
  const builds = new BuildOnce();
  for (const def of await serversUnderTest()) {
    try {
      await builds.build(def);
      // A runtime that is not installed fails its entry's suite with how to install it, not with a spawn error.
      await runtimeInfo(def);
      buildErrors[def.manifest.name] = null;
    } catch (error) {
      buildErrors[def.manifest.name] = (error as Error).message;
    }
  }
  project.provide('buildErrors', buildErrors);
  return () => killAllChildren();
}
