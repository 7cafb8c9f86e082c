import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { BuildOnce, fakeServer, killAllChildren, liveChildren, loadManifest } from '@kvbench/launcher';
import { FootprintSchema, ResultsSchema, ScenarioSchema } from '@kvbench/schemas';
import { ManifestTarget, measureFootprint, runScenario, UrlTarget } from '../src/index.js';

afterEach(() => killAllChildren());

const flags = ScenarioSchema.parse({ name: 'x', steps: [], footprint: {} }).serverFlags;
const ctx = { flags, seed: 1, signal: new AbortController().signal };
const fake = (...args: string[]) => new ManifestTarget(fakeServer(args));

// The fake server keeps a JS Map and writes it as one JSON file on SIGTERM: enough to fill, stop and reload.
describe('measureFootprint (fake server, 20 000 keys, a few seconds)', () => {
  it('fills every key, reads RSS before and after, and times a reload until a sample of keys answers', async () => {
    const fp = FootprintSchema.parse({ keys: 20_000, sampleKeys: 200 });
    const result = await measureFootprint(fake(), fp, ctx);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ server: 'fake', keys: 20_000, valueBytes: 8, sampled: 200, sampleMissing: 0 });
    expect(result.rssFilledBytes!).toBeGreaterThan(result.rssStartBytes!);
    expect(result.rssPerMillionKeysBytes).toBe(Math.round(((result.rssFilledBytes! - result.rssStartBytes!) * 1e6) / 20_000));
    expect(result.fillMs!).toBeGreaterThan(0);
    expect(result.reloadMs!).toBeGreaterThan(0);
    expect(liveChildren()).toBe(0);
  }, 60_000);

  it('records, not throws, a server that dies mid-fill and one kvbench cannot reload', async () => {
    // --crash-after: the fake dies mid-fill, so the figure is an error saying what happened.
    const crashed = await measureFootprint(fake('--crash-after', '5000'), FootprintSchema.parse({ keys: 20_000 }), ctx);
    expect(crashed.error).toMatch(/closed a fill connection|failed/);
    expect(crashed.rssPerMillionKeysBytes).toBeNull();
    const url = await measureFootprint(new UrlTarget('remote', 'http://127.0.0.1:9'), FootprintSchema.parse({ keys: 10 }), ctx);
    expect(url.error).toMatch(/cannot be restarted with --load/);
    expect(liveChildren()).toBe(0);
  }, 60_000);
});

describe('measureFootprint on a real server (go, 20 000 keys, built once, ~10 s)', () => {
  it('reloads its shard files and answers every sampled key', async () => {
    const [def] = await loadManifest(fileURLToPath(new URL('../../../servers/go/kvbench.json', import.meta.url)));
    const target = new ManifestTarget(def!);
    const info = await target.prepare(new BuildOnce());
    expect(info.error).toBeUndefined();
    const result = await measureFootprint(target, FootprintSchema.parse({ keys: 20_000, sampleKeys: 500 }), ctx);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ server: 'go', keys: 20_000, sampled: 500, sampleMissing: 0 });
    expect(result.rssPerMillionKeysBytes!).toBeGreaterThan(0);
    expect(result.stopMs!).toBeGreaterThan(0);
    expect(result.reloadMs!).toBeGreaterThan(0);
    expect(liveChildren()).toBe(0);
  }, 120_000);
});

describe('runScenario with a footprint and no steps', () => {
  it('records one footprint per server in a results file the schema accepts', async () => {
    const { results } = await runScenario({
      repoRoot: process.cwd(),
      loaded: {
        scenario: ScenarioSchema.parse({ name: 'footprint-small', steps: [], footprint: { keys: 20_000, sampleKeys: 100 } }),
        path: 'scenarios/footprint-small.json',
      },
      targets: [fake()],
      resultsDir: await mkdtemp(path.join(os.tmpdir(), 'kvbench-results-')),
      verify: false,
    });
    expect(ResultsSchema.parse(results).footprints).toHaveLength(1);
    expect(results.runs).toEqual([]);
    expect(results.footprints![0]).toMatchObject({ server: 'fake', keys: 20_000, sampleMissing: 0 });
    expect(results.footprints![0]!.error).toBeUndefined();
  }, 60_000);
});
