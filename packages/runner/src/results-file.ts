import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RESULTS_SCHEMA_VERSION, ResultsSchema, parseOrThrow, type Results } from '@kvbench/schemas';

/**
 * Validates, then writes atomically (temp file + rename): a results file is never half-written, even when the
 * runner is killed while saving partial results.
 */
export async function writeResults(file: string, results: Results): Promise<void> {
  const valid = parseOrThrow(ResultsSchema, results, `${file} (about to be written)`);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(valid, null, 1)}\n`);
  await rename(temp, file);
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
  return `${scenario}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}
