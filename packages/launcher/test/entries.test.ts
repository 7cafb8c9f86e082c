import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ServerManifestSchema } from '@kvbench/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildOnce, buildServer, findServers, runtimeInfo, selectServers, serverEntries, toolchainVersion } from '../src/index.js';

const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvbench-entries-'));
  temps.push(dir);
  return dir;
}

const manifest = (extra: object = {}) =>
  ServerManifestSchema.parse({ name: 'js', language: 'JavaScript', start: ['node', 'main.js'], version: ['node', '--version'], runtime: 'node', ...extra });

describe('server entries: one per runtime', () => {
  it('gives the manifest its own entry, then one per runtime, named <name>@<runtime>, with its start and version', () => {
    const entries = serverEntries(
      manifest({ runtimes: { other: { start: ['bin/other', 'run', 'main.js'] }, third: { start: ['./third'], version: ['./third', '-V'] } } }),
      '/srv/js',
    );
    expect(entries.map((e) => [e.manifest.name, e.manifest.runtime, e.manifest.start, e.manifest.version])).toEqual([
      ['js', 'node', ['node', 'main.js'], ['node', '--version']],
      ['js@other', 'other', ['bin/other', 'run', 'main.js'], ['bin/other', '--version']],
      ['js@third', 'third', ['./third'], ['./third', '-V']],
    ]);
    expect(entries.every((e) => e.dir === '/srv/js' && e.manifest.runtimes === undefined)).toBe(true);
  });

  it("gives each entry its own knownFailures: a runtime's are not the server's, nor the server's a runtime's", () => {
    const slow = { case: 'slow headers', reason: 'a runtime bug' };
    const own = { case: 'idle keep-alive', reason: 'the server itself' };
    const entries = serverEntries(
      manifest({ knownFailures: [own], runtimes: { other: { start: ['o'], knownFailures: [slow] }, third: { start: ['t'] } } }),
      '/srv/js',
    );
    expect(entries.map((e) => e.manifest.knownFailures)).toEqual([[own], [slow], undefined]);
  });

  it('finds them beside their server, selects them by name, and lists them for a typo', async () => {
    const dir = await tempDir();
    for (const [name, extra] of [
      ['b', {}],
      ['a', { runtimes: { zed: { start: ['z'] }, alt: { start: ['y'] } } }],
    ] as const) {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, 'kvbench.json'), JSON.stringify({ ...manifest(extra), name }));
    }
    const all = await findServers(dir);
    // By server, and a server's runtimes in the manifest's order.
    expect(all.map((d) => d.manifest.name)).toEqual(['a', 'a@zed', 'a@alt', 'b']);
    expect(selectServers(all, ['a@alt', 'b']).map((d) => d.manifest.name)).toEqual(['a@alt', 'b']);
    expect(() => selectServers(all, ['a@bun'])).toThrow(/unknown server "a@bun"; servers with a kvbench.json: a, a@zed, a@alt, b/);
  });
});

describe('runtimeInfo: the runtime sized apart from the artifact', () => {
  it('sizes the binary found on PATH, symlinks resolved', async () => {
    const info = await runtimeInfo({ manifest: manifest(), dir: await tempDir() });
    expect(info).toMatchObject({ name: 'node', program: process.execPath, bytes: (await stat(process.execPath)).size });
  });

  it('has nothing to size for an artifact that runs on its own', async () => {
    expect(await runtimeInfo({ manifest: manifest({ runtime: undefined }), dir: '/' })).toBeNull();
  });

  it('says how to install a runtime that is not there', async () => {
    const def = serverEntries(manifest({ runtimes: { gone: { start: ['../runtimes/gone/bin/gone', 'main.js'] } } }), await tempDir())[1]!;
    await expect(runtimeInfo(def)).rejects.toThrow(
      /js@gone: its runtime gone \(\.\.\/runtimes\/gone\/bin\/gone\) is not installed at .*gone; install it first/,
    );
    expect(await toolchainVersion(def)).toBeNull();
  });
});

describe('builds: once per folder, cold or incremental', () => {
  async function counting() {
    const dir = await tempDir();
    // Each build appends a line to the log and writes the artifact.
    const script =
      "require('fs').appendFileSync('log', 'x\\n'); require('fs').mkdirSync('out', { recursive: true }); require('fs').writeFileSync('out/a.js', '1234')";
    const entries = serverEntries(manifest({ build: ['node', '-e', script], artifact: 'out', runtimes: { other: { start: ['x'] } } }), dir);
    const builds = async () => (await readFile(path.join(dir, 'log'), 'utf8')).split('\n').filter(Boolean).length;
    return { entries, builds };
  }

  it('builds a server once for all its runtimes, and each entry gets that build', async () => {
    const { entries, builds } = await counting();
    const once = new BuildOnce();
    const [a, b] = await Promise.all(entries.map((e) => once.build(e)));
    expect(await builds()).toBe(1);
    expect(b).toBe(a);
    expect(a).toMatchObject({ artifactBytes: 4, kind: 'cold' });
  });

  it('marks a build over an earlier one incremental', async () => {
    const { entries } = await counting();
    expect((await buildServer(entries[0]!)).kind).toBe('cold');
    expect((await buildServer(entries[0]!)).kind).toBe('incremental');
  });
});
