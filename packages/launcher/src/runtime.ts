import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RuntimeInfo } from '@kvbench/schemas';
import { resolveProgram, type ServerDefinition } from './manifests.js';

/**
 * The runtime an entry runs on, sized: the binary its start command runs (the first word), symlinks resolved. Null
 * for an entry whose artifact runs on its own. A runtime that is not installed is an error that says how to get it.
 */
export async function runtimeInfo(def: ServerDefinition): Promise<RuntimeInfo | null> {
  const { manifest } = def;
  if (!manifest.runtime) return null;
  const program = manifest.start[0]!;
  const found = await locate(resolveProgram(def, program));
  if (!found) {
    throw new Error(
      `${manifest.name}: its runtime ${manifest.runtime} (${program}) is not installed` +
        `${program.includes('/') ? ` at ${resolveProgram(def, program)}` : ' on PATH'}; install it first ` +
        '(in this repository: scripts/setup.sh, whose pnpm install puts packages/runtimes in place)',
    );
  }
  const binary = await realpath(found);
  return { name: manifest.runtime, program: binary, bytes: (await stat(binary)).size };
}

/** A path as given, or a bare name looked up on PATH as the shell would; null when nothing executable is there. */
async function locate(program: string): Promise<string | null> {
  const candidates = program.includes('/')
    ? [program]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
