import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fakeServer, killAllChildren, liveChildren } from '@kvbench/launcher';
import { ScenarioSchema } from '@kvbench/schemas';
import { ManifestTarget, UrlTarget, runScenario, verifyTarget } from '../src/index.js';

afterEach(() => killAllChildren());

const flags = { shards: 5, flushIntervalMs: 1000, cleanupIntervalMs: 500 };
const fake = (name: string, ...args: string[]) => {
  const def = fakeServer(args);
  return new ManifestTarget({ ...def, manifest: { ...def.manifest, name } });
};
const loaded = {
  scenario: ScenarioSchema.parse({ name: 'verified', load: { connections: 10, warmupRequests: 0 }, steps: [{ name: 'a', requests: 200 }] }),
  path: 'scenarios/verified.json',
};
const resultsDir = () => mkdtemp(path.join(os.tmpdir(), 'kvbench-verify-'));

describe('verify, then measure', () => {
  it('passes a server that keeps the contract, reload included, in well under its 10 s budget', async () => {
    const v = await verifyTarget(fake('good'), { flags }, 5000);
    expect(v.checks.map((c) => c.name)).toEqual(['healthz', 'round trip', 'status codes and error bodies', 'percent-decoding', 'expiry', 'flush and reload']);
    expect(v).toMatchObject({ ok: true, skipped: [] });
    expect(v.durationMs).toBeLessThan(10_000);
    expect(liveChildren()).toBe(0);
  });

  it('names the check a broken server fails and what it answered, and does not measure or rank it', async () => {
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded,
      targets: [fake('broken', '--ignore-ttl'), fake('good')],
      resultsDir: await resultsDir(),
    });
    const broken = results.servers.find((s) => s.name === 'broken')!;
    expect(broken.verification?.ok).toBe(false);
    expect(broken.verification?.checks.filter((c) => !c.ok)).toEqual([
      { name: 'expiry', ok: false, error: expect.stringMatching(/GET 0\.6 s after a 0\.3 s ttl: expected status 404, got 200/) },
    ]);
    expect(results.runs.find((r) => r.server === 'broken')).toMatchObject({ status: 'not-verified', client: null });
    expect(results.runs.find((r) => r.server === 'good')?.status).toBe('ok');
    expect(results.warnings).toContainEqual(
      expect.objectContaining({
        code: 'failed-verification',
        server: 'broken',
        message: expect.stringMatching(/not measured: it failed verification: expiry: /),
      }),
    );
    expect(liveChildren()).toBe(0);
  });

  it('fails a dead port at its first check instead of measuring how fast it refuses', async () => {
    const v = await verifyTarget(new UrlTarget('nobody', 'http://127.0.0.1:1'), { flags }, 5000);
    expect(v.ok).toBe(false);
    expect(v.checks[0]).toMatchObject({ name: 'healthz', ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
    // Nothing answered, so the rest is not run (each would say the same), and the reload check could not be anyway.
    expect(v.checks).toHaveLength(1);
    expect(v.skipped).toEqual([
      'round trip: not run, the server did not answer',
      'status codes and error bodies: not run, the server did not answer',
      'percent-decoding: not run, the server did not answer',
      'expiry: not run, the server did not answer',
      expect.stringMatching(/^flush and reload: kvbench cannot restart this server/),
    ]);
  });

  it('with --no-verify, measures anyway and records that it did not verify', async () => {
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded,
      targets: [fake('broken', '--ignore-ttl')],
      resultsDir: await resultsDir(),
      verify: false,
    });
    expect(results.servers[0]?.verification).toBeNull();
    expect(results.runs[0]?.status).toBe('ok');
  });

  it('never ranks a step where no request was answered right, even unverified', async () => {
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded,
      targets: [new UrlTarget('nobody', 'http://127.0.0.1:1')],
      resultsDir: await resultsDir(),
      verify: false,
    });
    expect(results.runs[0]).toMatchObject({ status: 'load-failed', error: expect.stringMatching(/not one of \d+ requests was answered right/) });
  });
});
