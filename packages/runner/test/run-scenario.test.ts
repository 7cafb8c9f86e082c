import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, fakeServer, killAllChildren, liveChildren, loadManifest, serverEntries } from '@kvbench/launcher';
import { ScenarioSchema, type ScenarioInput } from '@kvbench/schemas';
import { ManifestTarget, UrlTarget, readResults, runScenario, type Target } from '../src/index.js';

afterEach(() => killAllChildren());

const small = (overrides: Partial<ScenarioInput> = {}) => ({
  scenario: ScenarioSchema.parse({
    name: 'small',
    load: { connections: 20, timeoutMs: 2000 },
    steps: [
      { name: 'a', requests: 400 },
      { name: 'b', requests: 300, readFraction: 0.5 },
    ],
    ...overrides,
  }),
  path: 'scenarios/small.json',
});

const fake = (name: string, ...args: string[]): Target => {
  const def = fakeServer(args);
  return new ManifestTarget({ ...def, manifest: { ...def.manifest, name } });
};

async function resultsDir() {
  return mkdtemp(path.join(os.tmpdir(), 'kvbench-results-'));
}

describe('runScenario: a server described as it is, without a wrapper', () => {
  it('fills its own flags from templates, knows it is ready by TCP, measures it and records its death by SIGTERM', async () => {
    // A manifest in a folder of its own, as a user would write beside a clone of the blog's servers.
    const folder = await mkdtemp(path.join(os.tmpdir(), 'kvbench-foreign-'));
    const manifestFile = path.join(folder, 'kvbench.json');
    await writeFile(
      manifestFile,
      JSON.stringify({
        name: 'foreign',
        language: 'JavaScript (test fixture)',
        start: ['node', path.join(FIXTURES_DIR, 'foreign-server.mjs'), '-b', '{host}', '-p', '{port}', '-d', '{dir}/store'],
        ready: { by: 'tcp' },
      }),
    );
    const [def] = await loadManifest(manifestFile);
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({ steps: [{ name: 'a', requests: 400, connectionModel: 'pool' }] }),
      targets: [new ManifestTarget(def!, undefined, true)],
      resultsDir: await resultsDir(),
      // It keeps the blog's contract, not the kv-spec (no /healthz, text error bodies): as for the blog's servers.
      verify: false,
    });
    const [run] = results.runs;
    expect(run?.status).toBe('ok');
    expect(run?.client).toMatchObject({ sent: 400, successful: 400 });
    expect(run?.serverProcess?.exit).toMatchObject({ code: null, signal: 'SIGTERM', clean: false });
    const unclean = run?.warnings.find((w) => w.code === 'unclean-exit');
    expect(unclean?.message).toMatch(/exited with signal SIGTERM after SIGTERM, not 0/);
    expect(liveChildren()).toBe(0);
  });
});

describe('runScenario: one server on several runtimes', () => {
  it('builds it once, measures each runtime as an entry of its own, and sizes each runtime apart', async () => {
    const log = path.join(await resultsDir(), 'builds.log');
    const { manifest } = fakeServer();
    const entries = serverEntries(
      {
        ...manifest,
        build: ['node', '-e', `require('fs').appendFileSync(${JSON.stringify(log)}, 'built\\n')`],
        runtime: 'node',
        runtimes: { again: { start: [process.execPath, 'fake-server.mjs'] } },
      },
      FIXTURES_DIR,
    );
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({ steps: [{ name: 'a', requests: 200 }] }),
      targets: entries.map((def) => new ManifestTarget(def)),
      resultsDir: await resultsDir(),
    });
    expect(await readFile(log, 'utf8')).toBe('built\n');
    expect(results.servers.map((s) => [s.name, s.runtime?.name, s.runtime?.bytes])).toEqual([
      ['fake', 'node', expect.any(Number)],
      ['fake@again', 'again', expect.any(Number)],
    ]);
    expect(results.servers[0]!.build).toBe(results.servers[1]!.build);
    expect(results.runs.map((r) => [r.server, r.variant, r.status])).toEqual([
      ['fake', undefined, 'ok'],
      ['fake@again', undefined, 'ok'],
    ]);
  });
});

describe('runScenario', () => {
  it('measures every server × step × repeat and writes a results file that validates on read', async () => {
    const dir = await resultsDir();
    const { results, file } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({ repeat: 2 }),
      targets: [fake('one'), fake('two')],
      resultsDir: dir,
    });
    expect(results.complete).toBe(true);
    expect(results.runs.map((r) => `${r.server}/${r.step}/${r.repeat}`)).toEqual([
      'one/a/0',
      'two/a/0',
      'one/b/0',
      'two/b/0',
      'two/a/1',
      'one/a/1',
      'two/b/1',
      'one/b/1',
    ]);
    for (const run of results.runs) {
      expect(run.status).toBe('ok');
      expect(run.client?.sent).toBe(run.load.requests);
      expect(run.client?.successful).toBe(run.load.requests);
      expect(run.client?.latency.count).toBe(run.load.requests);
      expect(run.serverProcess?.exit).toMatchObject({ code: 0, clean: true });
      expect(run.coldStartMs).toBeGreaterThan(0);
      // The machine's pace before each run, which spread and compare read beside the servers' CPU per request.
      expect(run.machine?.loopbackNs).toBeGreaterThan(0);
    }
    expect((await readResults(file)).runs).toHaveLength(8);
    expect(liveChildren()).toBe(0);
  });

  it("finds each server's capacity, then offers both the same share of the slower one, CPU read over the load alone", async () => {
    const dir = await resultsDir();
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({
        load: { connections: 20, timeoutMs: 2000, warmupRequests: 100 },
        steps: [
          { name: 'cap', capacity: { p99Ms: 30, probeSec: 0.5, startRate: 200, resolution: 0.25, budgetSec: 8 } },
          { name: 'equal-50', rate: { capacityFraction: 0.5 }, durationSec: 0.5 },
        ],
      }),
      targets: [fake('slow', '--burn-us', '1000'), fake('quick', '--burn-us', '250')],
      resultsDir: dir,
    });
    const [slowCap, quickCap, slowEq, quickEq] = results.runs;
    // One event loop burning 1 ms a request serves at most 1000/s; at 250 µs, about 4000/s.
    expect(slowCap!.capacity!.rate).toBeGreaterThan(300);
    expect(slowCap!.capacity!.rate).toBeLessThanOrEqual(1100);
    expect(quickCap!.capacity!.rate).toBeGreaterThan(slowCap!.capacity!.rate!);
    expect(slowCap!.load).toMatchObject({ model: 'capacity', rate: slowCap!.capacity!.rate });
    const equalRate = Math.round(slowCap!.capacity!.rate! * 0.5);
    for (const run of [slowEq!, quickEq!]) {
      expect(run.load).toMatchObject({ model: 'open', rate: equalRate });
      expect(run.client!.latencyFrom).toBe('intended');
      expect(run.client!.offered).toBe(Math.ceil(equalRate * 0.5));
    }
    // The burn is real CPU: read over exactly the load window, it is what the server spent per request.
    expect(slowEq!.serverProcess!.cpu!.usPerRequest).toBeGreaterThan(900);
    expect(slowEq!.serverProcess!.cpu!.usPerRequest).toBeLessThan(3000);
    expect(quickEq!.serverProcess!.cpu!.usPerRequest).toBeLessThan(slowEq!.serverProcess!.cpu!.usPerRequest);
    // The timeline counts from the load's start: its first sample lands one sampling interval in (200 ms), not
    // after the generator's own start-up (once 1-2 s of empty axis on every report).
    for (const run of [slowEq!, quickEq!]) {
      expect(run.timeline[0]!.tMs).toBeGreaterThan(100);
      expect(run.timeline[0]!.tMs).toBeLessThan(350);
    }
    expect(slowEq!.serverProcess!.nofile!.soft).toBeGreaterThan(0);
    expect(results.environment.pinning.mode).toBe(os.availableParallelism() >= 2 ? 'auto' : 'off');
    expect(liveChildren()).toBe(0);
  }, 60_000);

  it('refuses an open-file limit it cannot apply to a server already running, before measuring anything', async () => {
    const dir = await resultsDir();
    await expect(
      runScenario({
        repoRoot: process.cwd(),
        loaded: small(),
        targets: [new UrlTarget('elsewhere', 'http://127.0.0.1:1')],
        resultsDir: dir,
        fdLimit: { soft: 256 },
      }),
    ).rejects.toThrow(/applies only to servers kvbench starts, and elsewhere is already running at its URL: set its limit where you start it/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('records a server that crashes under load, and goes on with the next one', async () => {
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({ steps: [{ name: 'a', requests: 2000 }] }),
      targets: [fake('crashy', '--crash-after', '300'), fake('steady')],
      resultsDir: await resultsDir(),
    });
    const [crashy, steady] = results.runs;
    expect(crashy?.status).toBe('server-crashed');
    expect(crashy?.warnings.map((w) => w.code)).toContain('server-crashed');
    expect(crashy?.client?.failed).toBeGreaterThan(0);
    expect(crashy?.client?.successRate).toBeLessThan(1);
    expect(steady?.status).toBe('ok');
    expect(liveChildren()).toBe(0);
  });

  it('calls a server that stops answering hung after its timeout plus a margin, though timeouts keep the client sending', async () => {
    const started = performance.now();
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({ load: { connections: 100, timeoutMs: 1000, warmupRequests: 0 }, steps: [{ name: 'a', requests: 100_000 }] }),
      targets: [fake('stalls', '--stall-after', '500')],
      resultsDir: await resultsDir(),
      verify: false,
    });
    const [run] = results.runs;
    expect(run?.status).toBe('server-hung');
    expect(run?.warnings[0]?.message).toMatch(/answered nothing for 6 s; the load was stopped/);
    // About 1 s timeout + 5 s margin after the stall, not the 1000 s that timing out every request would take.
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('kills a server that ignores SIGTERM and reports it hung', async () => {
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({ steps: [{ name: 'a', requests: 200 }] }),
      targets: [fake('stubborn', '--ignore-sigterm')],
      resultsDir: await resultsDir(),
      stopGraceMs: 500,
      // Verification would refuse it already (its reload check loses the data of a killed stop): measured here on
      // purpose, to see the hang reported by the run itself.
      verify: false,
    });
    expect(results.runs[0]?.status).toBe('server-hung');
    expect(results.runs[0]?.serverProcess?.exit).toMatchObject({ clean: false, signal: 'SIGKILL' });
    expect(liveChildren()).toBe(0);
  });

  it('records a server that cannot start and measures the others', async () => {
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({ steps: [{ name: 'a', requests: 200 }] }),
      targets: [fake('broken', '--fail-start'), fake('fine')],
      resultsDir: await resultsDir(),
    });
    expect(results.runs.map((r) => r.status)).toEqual(['start-failed', 'ok']);
    expect(results.runs[0]?.error).toMatch(/corrupted/);
  });

  it('stops at an abort, keeps what it measured, and marks the results partial', async () => {
    const controller = new AbortController();
    const dir = await resultsDir();
    const { results, file } = await runScenario({
      repoRoot: process.cwd(),
      loaded: small({
        steps: [
          { name: 'a', requests: 200 },
          { name: 'long', durationSec: 30 },
        ],
      }),
      targets: [fake('one')],
      resultsDir: dir,
      reporter: {
        runStarted(item) {
          if (item.step.name === 'long') setTimeout(() => controller.abort('SIGINT'), 1500);
        },
      },
      signal: controller.signal,
    });
    expect(results.complete).toBe(false);
    expect(results.interruption).toMatch(/SIGINT/);
    expect(results.runs.map((r) => r.status)).toEqual(['ok', 'interrupted']);
    expect(results.warnings[0]?.code).toBe('interrupted');
    expect((await readResults(file)).complete).toBe(false);
    expect(await readdir(dir)).toEqual([path.basename(file)]);
    expect(liveChildren()).toBe(0);
  });
});
