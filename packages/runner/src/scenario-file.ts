import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ScenarioSchema, parseOrThrow, type Scenario } from '@kvbench/schemas';

/** The scenario asked for is not there: a mistake in the call, with the scenarios that are. */
export class ScenarioNotFoundError extends Error {
  constructor(
    readonly asked: string,
    readonly known: string[],
    looked: string[],
  ) {
    super(`no scenario "${asked}" (looked for ${looked.join(', ')}); known scenarios: ${known.join(', ') || '(none)'}`);
    this.name = 'ScenarioNotFoundError';
  }
}

export interface LoadedScenario {
  scenario: Scenario;
  path: string;
}

/**
 * A scenario by name (`blog` → scenarios/blog.json) or by path. Every problem is reported before anything starts:
 * a missing file lists the scenarios there are, bad JSON names the file, a bad field names its path.
 */
export async function loadScenario(nameOrPath: string, scenariosDir: string): Promise<LoadedScenario> {
  const file = await locate(nameOrPath, scenariosDir);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  // `$schema` points the user's editor at the JSON Schema, relative to the scenario file: not part of the scenario,
  // and wrong relative to a results file, so it stops here.
  const { $schema: _editorSchema, ...scenario } = parseOrThrow(ScenarioSchema, json, file);
  return { scenario, path: file };
}

async function locate(nameOrPath: string, scenariosDir: string): Promise<string> {
  const candidates = nameOrPath.endsWith('.json') || nameOrPath.includes('/') ? [path.resolve(nameOrPath)] : [path.join(scenariosDir, `${nameOrPath}.json`)];
  for (const candidate of candidates) {
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next
    }
  }
  const known = (await readdir(scenariosDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
  throw new ScenarioNotFoundError(nameOrPath, known, candidates);
}
