import { readFile } from 'node:fs/promises';
import { JSON_SCHEMA_FILES, RESULTS_SCHEMA_VERSION, ResultsSchema, parseOrThrow, schemaReference, type Results } from '@kvbench/schemas';
import { writeFileAtomic } from './write-file.js';

/**
 * Validates, then writes atomically (see writeFileAtomic): a results file is never half-written, even when the
 * runner is killed while saving partial results. `replace: false` throws FileExistsError rather than replace a file
 * already there. `$schema` is set to the JSON Schema relative to `file`, so an editor validates the file wherever
 * in the checkout it was written.
 */
export async function writeResults(file: string, results: Results, options: { replace?: boolean } = {}): Promise<void> {
  const $schema = schemaReference(file, JSON_SCHEMA_FILES.results);
  const valid = parseOrThrow(ResultsSchema, { ...results, $schema }, `${file} (about to be written)`);
  await writeFileAtomic(file, `${JSON.stringify(valid, null, 1)}\n`, { replace: options.replace ?? true });
}

/** Reads and validates a results file; the error names the file and, for another schema version, says so. */
export async function readResults(file: string): Promise<Results> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read results file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const version = (json as { schemaVersion?: unknown })?.schemaVersion;
  if (version !== RESULTS_SCHEMA_VERSION) {
    throw new Error(
      `${file} has results schema version ${String(version)}; this kvbench reads version ${RESULTS_SCHEMA_VERSION}. ` +
        'Re-run the scenario with this version to compare or report it.',
    );
  }
  return parseOrThrow(ResultsSchema, json, file);
}

/** `blog-quick-20261122T031500Z`: sortable, and names the scenario. */
export function resultsId(scenario: string, at: Date): string {
  return `${scenario}-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}
