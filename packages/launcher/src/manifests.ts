import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ServerManifestSchema, parseOrThrow, type ServerManifest } from '@kvbench/schemas';

/** A server the runner can build and start: its manifest and the folder its paths are relative to. */
export interface ServerDefinition {
  manifest: ServerManifest;
  dir: string;
}

export const MANIFEST_FILE = 'kvbench.json';

/** Every `servers/<name>/kvbench.json`, sorted by name. Nothing here knows which languages exist. */
export async function findServers(serversDir: string): Promise<ServerDefinition[]> {
  const entries = await readdir(serversDir, { withFileTypes: true });
  const found: ServerDefinition[] = [];
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
  return found.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/**
 * A manifest anywhere (a clone of someone else's server, described without touching it): its paths are relative
 * to its own folder, as in servers/<name>/.
 */
export async function loadManifest(file: string): Promise<ServerDefinition> {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = await readFile(resolved, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the manifest ${resolved}: ${(error as Error).message}`);
  }
  return { manifest: readManifest(text, resolved), dir: path.dirname(resolved) };
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

/** The named servers, in the order asked, with an error listing the known names for a typo. */
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
