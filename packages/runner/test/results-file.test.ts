import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ScenarioSchema, type ServerInfo } from '@kvbench/schemas';
import { DiskFullError, FileExistsError, readResults, resultsId, runScenario, shareablePath, writeResults, type Target } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A results file kvbench really wrote, with `$schema` relative to results/baseline/; only ever read here. */
const BASELINE = path.join(ROOT, 'results/baseline/ci.json');

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'kvbench-results-file-'));

/** A server that fails to prepare: the runner records each planned run as not started, so nothing is loaded. */
function unpreparedTarget(onPrepare: () => Promise<void> = async () => {}): Target {
  return {
    name: 'stub',
    restarts: false,
    async prepare(): Promise<ServerInfo> {
      await onPrepare();
      return { name: 'stub', language: 'none', source: 'command', version: null, build: null, error: 'stub: never started' };
    },
    start: () => Promise.reject(new Error('stub: start must not be called')),
  };
}

const scenario = {
  scenario: ScenarioSchema.parse({
    name: 'stubbed',
    load: { generator: 'autocannon' },
    steps: [
      { name: 'a', requests: 10 },
      { name: 'b', requests: 10 },
    ],
  }),
  path: 'scenarios/stubbed.json',
};

describe('writeResults', () => {
  it('sets $schema relative to where the file lands, and the file reads back', async () => {
    const results = await readResults(BASELINE);
    expect(results.$schema).toBe('../../docs/schemas/results.schema.json');
    const dir = await tempDir();
    const nested = path.join(dir, 'a', 'b', 'r.json');
    await writeResults(nested, results);
    const written = JSON.parse(await readFile(nested, 'utf8'));
    expect(Object.keys(written)[0]).toBe('$schema');
    expect(path.resolve(path.dirname(nested), written.$schema)).toBe(path.join(ROOT, 'docs/schemas/results.schema.json'));
    expect((await readResults(nested)).runs).toHaveLength(results.runs.length);
  });

  it('with replace: false leaves a file that is already there exactly as it was, and no temp file behind', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'r.json');
    await writeFile(file, 'someone else’s results\n');
    await expect(writeResults(file, await readResults(BASELINE), { replace: false })).rejects.toThrow(FileExistsError);
    expect(await readFile(file, 'utf8')).toBe('someone else’s results\n');
    expect(await readdir(dir)).toEqual(['r.json']);
  });
});

describe('runScenario without resultsFile', () => {
  it('never collides with a run of the same scenario in the same second: the second gets -2, the first is kept', async () => {
    const dir = await tempDir();
    // Files for every second this test can start in, as if another run had just written them.
    const now = Date.now();
    const taken = [-1, 0, 1, 2, 3].map((s) => `${resultsId('stubbed', new Date(now + s * 1000))}.json`);
    for (const name of taken) await writeFile(path.join(dir, name), 'another run\n');
    const { results, file } = await runScenario({ repoRoot: ROOT, loaded: scenario, targets: [unpreparedTarget()], resultsDir: dir });
    expect(path.basename(file)).toMatch(/^stubbed-\d{8}T\d{6}Z-2\.json$/);
    expect(results.id).toBe(path.basename(file, '.json'));
    expect((await readResults(file)).id).toBe(results.id);
    for (const name of taken) expect(await readFile(path.join(dir, name), 'utf8')).toBe('another run\n');
  });
});

describe('runScenario with resultsFile', () => {
  it('writes the named file, creating its folders, and rewrites it after each run', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'new', 'folder', 'stubbed.json');
    const { results, file: written } = await runScenario({
      repoRoot: ROOT,
      loaded: scenario,
      targets: [unpreparedTarget()],
      resultsDir: path.join(dir, 'unused'),
      resultsFile: file,
    });
    expect(written).toBe(file);
    expect(results.runs.map((r) => `${r.step}:${r.status}`)).toEqual(['a:start-failed', 'b:start-failed']);
    expect((await readResults(file)).complete).toBe(true);
    expect(await readdir(dir)).toEqual(['new']);
  });

  it('refuses a file that exists before preparing any server', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'r.json');
    await writeFile(file, 'keep me\n');
    let prepared = false;
    const run = runScenario({
      repoRoot: ROOT,
      loaded: scenario,
      targets: [unpreparedTarget(async () => void (prepared = true))],
      resultsDir: dir,
      resultsFile: file,
    });
    await expect(run).rejects.toThrow(`${file} already exists`);
    expect(prepared).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('keep me\n');
  });

  it('does not replace a file that appears while the run is under way', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'r.json');
    const run = runScenario({
      repoRoot: ROOT,
      loaded: scenario,
      targets: [unpreparedTarget(() => writeFile(file, 'written meanwhile\n'))],
      resultsDir: dir,
      resultsFile: file,
    });
    await expect(run).rejects.toThrow(FileExistsError);
    expect(await readFile(file, 'utf8')).toBe('written meanwhile\n');
  });
});

/** A 64 KiB tmpfs, where this machine lets the suite mount one (root on Linux); null, and said, where not. */
async function tinyDisk(): Promise<{ dir: string; dispose(): Promise<void> } | null> {
  const dir = await tempDir();
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
  if (!mounted) {
    console.warn(`SKIPPED: cannot mount a tmpfs at ${dir} (needs root), so the full-disk case is not tested here`);
    await rm(dir, { recursive: true });
    return null;
  }
  return { dir, dispose: async () => void spawnSync('umount', [dir]) };
}

describe('writeResults on a full disk', () => {
  it('says which file and that nothing was lost, leaves no temp file, and keeps the previous version', async () => {
    const disk = await tinyDisk();
    if (!disk) return;
    try {
      const file = path.join(disk.dir, 'r.json');
      await writeFile(file, 'the previous version\n');
      // The committed baseline is ~330 kB: five times what this disk holds.
      const error = await writeResults(file, await readResults(BASELINE)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiskFullError);
      expect((error as Error).message).toMatch(
        new RegExp(`cannot write ${file}: the disk is full .* the previous version of this file, if there was one, is intact`),
      );
      expect(await readFile(file, 'utf8')).toBe('the previous version\n');
      expect(await readdir(disk.dir)).toEqual(['r.json']);
    } finally {
      await disk.dispose();
    }
  });
});

describe('the scenario path in a results file', () => {
  it('is relative to the checkout, or the bare file name outside it: no local folders in a file meant to be shared', async () => {
    expect(shareablePath(path.join(ROOT, 'scenarios/blog.json'), ROOT)).toBe('scenarios/blog.json');
    expect(shareablePath('/home/someone/private/my-scenario.json', ROOT)).toBe('my-scenario.json');
    const { results } = await runScenario({
      repoRoot: ROOT,
      loaded: { ...scenario, path: path.join(ROOT, 'scenarios/stubbed.json') },
      targets: [unpreparedTarget()],
      resultsDir: await tempDir(),
    });
    expect(results.scenarioPath).toBe('scenarios/stubbed.json');
  });
});
