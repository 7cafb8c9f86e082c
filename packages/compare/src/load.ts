import { readFile } from 'node:fs/promises';
import { RESULTS_SCHEMA_VERSION, ResultsSchema, SchemaError, parseOrThrow, type Results } from '@kvbench/schemas';
import { compare, type CompareOptions } from './compare.js';
import { CompareInputError } from './errors.js';
import type { Comparison } from './schema.js';

/** Reads and validates one results file; every failure is a CompareInputError naming the file and its role. */
export async function loadResultsFile(file: string, role = 'results'): Promise<Results> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CompareInputError('unreadable', `cannot read the ${role} file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CompareInputError(
      'not-json',
      `the ${role} file ${file} is not JSON (${(error as Error).message}); ` + 'give a results/*.json file written by kvbench run',
    );
  }
  const header = (typeof json === 'object' && json !== null ? json : {}) as { kind?: unknown; schemaVersion?: unknown };
  if (header.kind !== 'kvbench.results') {
    throw new CompareInputError(
      'not-results',
      `the ${role} file ${file} is not a kvbench results file ` +
        `(its "kind" is ${JSON.stringify(header.kind) ?? 'missing'}, ` +
        'expected "kvbench.results"); give a results/*.json file written by kvbench run',
    );
  }
  if (header.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new CompareInputError(
      'schema-version',
      `the ${role} file ${file} has results schema version ${JSON.stringify(header.schemaVersion)}, and this kvbench ` +
        `reads version ${RESULTS_SCHEMA_VERSION}: rerun it with this kvbench (for a committed baseline: ` +
        'regenerate it and commit the new file)',
    );
  }
  try {
    return parseOrThrow(ResultsSchema, json, file);
  } catch (error) {
    if (error instanceof SchemaError) throw new CompareInputError('schema', `the ${role} ${error.message}`);
    throw error;
  }
}

export interface LoadedPair {
  baseline: Results;
  current: Results;
  /** The paths as given: pass them on as CompareOptions' baselineFile and currentFile. */
  baselineFile: string;
  currentFile: string;
}

/** Reads the baseline and the current results for `compare`; throws CompareInputError on the first bad file. */
export async function loadForCompare(baselineFile: string, currentFile: string): Promise<LoadedPair> {
  const baseline = await loadResultsFile(baselineFile, 'baseline');
  const current = await loadResultsFile(currentFile, 'current');
  return { baseline, current, baselineFile, currentFile };
}

/** `kvbench compare A B` in one call: read both files, compare them; every input problem is a CompareInputError. */
export async function compareFiles(
  baselineFile: string,
  currentFile: string,
  options: Omit<CompareOptions, 'baselineFile' | 'currentFile'> = {},
): Promise<Comparison> {
  const pair = await loadForCompare(baselineFile, currentFile);
  return compare(pair.baseline, pair.current, { ...options, baselineFile, currentFile });
}
