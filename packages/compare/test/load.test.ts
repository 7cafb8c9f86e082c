import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompareInputError, compare, compareFiles, loadForCompare, loadResultsFile } from '../src/index.js';
import { repeatsOf, resultsOf } from './support/results.js';

let dir: string;
const typical = { rps: 3000, p50Us: 5000, p99Us: 9000, cpuUsPerRequest: 260, peakRssBytes: 60e6 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kvbench-compare-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: unknown): Promise<string> {
  const target = path.join(dir, name);
  await writeFile(target, typeof content === 'string' ? content : JSON.stringify(content));
  return target;
}

async function problemOf(promise: Promise<unknown>): Promise<CompareInputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CompareInputError);
    return error as CompareInputError;
  }
  throw new Error('expected a CompareInputError');
}

describe('loadForCompare', () => {
  it('reads two valid results files, ready for compare', async () => {
    const a = await file('a.json', resultsOf(repeatsOf(typical)));
    const b = await file('b.json', resultsOf(repeatsOf(typical), { id: 'r2' }));
    const pair = await loadForCompare(a, b);
    expect(pair.baseline.id).toBe('r1');
    expect(pair.current.id).toBe('r2');
    const comparison = compare(pair.baseline, pair.current, { baselineFile: pair.baselineFile, currentFile: pair.currentFile });
    expect(comparison.baseline.file).toBe(a);
  });

  it('compares two files in one call, naming each side by its path', async () => {
    const a = await file('a.json', resultsOf(repeatsOf(typical)));
    const b = await file('b.json', resultsOf(repeatsOf({ ...typical, cpuUsPerRequest: 330 }), { id: 'r2' }));
    const comparison = await compareFiles(a, b);
    expect(comparison).toMatchObject({ verdict: 'regression', baseline: { file: a }, current: { file: b } });
  });

  it('names a missing baseline file', async () => {
    const good = await file('good.json', resultsOf(repeatsOf(typical)));
    const error = await problemOf(loadForCompare(path.join(dir, 'nope.json'), good));
    expect(error.problem).toBe('unreadable');
    expect(error.message).toMatch(/^cannot read the baseline file .*nope\.json: ENOENT/);
  });

  it('says a file that is not JSON is not JSON', async () => {
    const good = await file('good.json', resultsOf(repeatsOf(typical)));
    const bad = await file('truncated.json', '{"schemaVersion": 1, "kind": "kvbench.res');
    const error = await problemOf(loadForCompare(good, bad));
    expect(error.problem).toBe('not-json');
    expect(error.message).toMatch(/^the current file .*truncated\.json is not JSON \(.+\); give a results\/\*\.json file written by kvbench run$/);
  });

  it('recognises a JSON file that is not a results file (a scenario, say)', async () => {
    const scenario = await file('scenario.json', { name: 'ci', steps: [{ name: 'a', requests: 1 }] });
    const error = await problemOf(loadResultsFile(scenario, 'baseline'));
    expect(error.problem).toBe('not-results');
    expect(error.message).toMatch(/scenario\.json is not a kvbench results file \(its "kind" is missing, expected "kvbench.results"\)/);
  });

  it('refuses a results file of another schema version and says to regenerate it', async () => {
    const old = await file('v1.json', { ...resultsOf(repeatsOf(typical)), schemaVersion: 1 });
    const error = await problemOf(loadResultsFile(old, 'baseline'));
    expect(error.problem).toBe('schema-version');
    expect(error.message).toMatch(/v1\.json has results schema version 1, and this kvbench reads version 2: rerun it .*regenerate it/);
  });

  it('names the file and every bad field of a results file that does not match the schema', async () => {
    const results = resultsOf(repeatsOf(typical));
    const broken = { ...results, runs: results.runs.map((run, i) => (i === 1 ? { ...run, step: 42 } : run)) };
    const target = await file('broken.json', broken);
    const error = await problemOf(loadResultsFile(target, 'current'));
    expect(error.problem).toBe('schema');
    expect(error.message).toContain(`the current ${target} is not valid:`);
    expect(error.message).toMatch(/runs\[1\]\.step: .*string/);
  });
});
