import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ServerManifestSchema, entryName, parseOrThrow, type ServerManifest } from '@kvbench/schemas';

/**
 * A server the runner can build and start: its manifest and the folder its paths are relative to. One manifest with
 * `runtimes` gives one definition per runtime: its manifest is then the entry as it runs, named `<name>@<runtime>`,
 * with that runtime's start and version, `runtime` set to its name, and the build (the same folder) shared.
 */
export interface ServerDefinition {
  manifest: ServerManifest;
  dir: string;
}

/** The manifest's own entry, then one per runtime in the order the manifest lists them. */
export function serverEntries(manifest: ServerManifest, dir: string): ServerDefinition[] {
  const { runtimes, ...own } = manifest;
  return [
    { manifest: own, dir },
    ...Object.entries(runtimes ?? {}).map(([runtime, spec]) => ({
      manifest: {
        ...own,
        name: entryName(manifest.name, runtime),
        runtime,
        start: spec.start,
        version: spec.version ?? [spec.start[0]!, '--version'],
        knownFailures: spec.knownFailures,
      },
      dir,
    })),
  ];
}

export const MANIFEST_FILE = 'kvbench.json';

/** Every `servers/<name>/kvbench.json`, each with its runtimes, sorted by name. Nothing here knows which languages exist. */
export async function findServers(serversDir: string): Promise<ServerDefinition[]> {
  const entries = await readdir(serversDir, { withFileTypes: true });
  const found: Array<{ manifest: ServerManifest; dir: string }> = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(serversDir, entry.name);
    const file = path.join(dir, MANIFEST_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue; // a folder without a manifest is not a server
    }
    found.push({ manifest: readManifest(text, file), dir });
  }
  // By server; a server's runtimes stay beside it, in the manifest's order.
  found.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  return found.flatMap(({ manifest, dir }) => serverEntries(manifest, dir));
}

/**
 * A manifest anywhere (a clone of someone else's server, described without touching it): its paths are relative
 * to its own folder, as in servers/<name>/. One entry per runtime, as in findServers.
 */
export async function loadManifest(file: string): Promise<ServerDefinition[]> {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = await readFile(resolved, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the manifest ${resolved}: ${(error as Error).message}`);
  }
  return serverEntries(readManifest(text, resolved), path.dirname(resolved));
}

function readManifest(text: string, file: string): ServerManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseOrThrow(ServerManifestSchema, json, file);
}

/** The named entries (`ts`, `ts@bun`), in the order asked, with an error listing the known names for a typo. */
export function selectServers(all: ServerDefinition[], names: readonly string[] | undefined): ServerDefinition[] {
  if (!names) return all;
  return names.map((name) => {
    const match = all.find((s) => s.manifest.name === name);
    if (!match) {
      const known = all.map((s) => s.manifest.name).join(', ') || '(none)';
      throw new Error(`unknown server "${name}"; servers with a kvbench.json: ${known}`);
    }
    return match;
  });
}

/** A manifest path that names a file in the server folder (has a slash) is resolved there; a bare name uses PATH. */
export function resolveProgram(def: ServerDefinition, program: string): string {
  return program.includes('/') ? path.resolve(def.dir, program) : program;
}
