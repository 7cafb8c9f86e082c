import { fileURLToPath } from 'node:url';
import { ServerManifestSchema } from '@kvbench/schemas';
import type { ServerDefinition } from './manifests.js';

/** The fake server's folder, for tests of the harness itself (crash, hang, slowdown, fd limits). */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fakeServer(extraStartArgs: string[] = []): ServerDefinition {
  return {
    dir: FIXTURES_DIR,
    manifest: ServerManifestSchema.parse({
      name: 'fake',
      language: 'JavaScript (test fixture)',
      start: ['node', 'fake-server.mjs', ...extraStartArgs],
      version: ['node', '--version'],
    }),
  };
}
