import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kvbench, tempDir } from './support/cli.js';

/**
 * Nothing should start in these tests. Were a check to fail, the run is a tiny step against a closed loopback port
 * (a server "already running" at a URL), never a real server built and loaded.
 */
async function harmlessRun(dir: string, ...extra: string[]) {
  const scenario = path.join(dir, 'scenario.json');
  await writeFile(scenario, JSON.stringify({ name: 'out-test', load: { generator: 'autocannon', connections: 1 }, steps: [{ name: 'a', requests: 10 }] }));
  return kvbench(['run', scenario, '--url', 'http://127.0.0.1:9', '--name', 'x', '--no-report', ...extra]);
}

describe('kvbench run --out', () => {
  it('refuses a file that exists before anything starts, exit 2, the file untouched', async () => {
    const dir = await tempDir('kvbench-run-out-');
    const out = path.join(dir, 'results.json');
    await writeFile(out, 'keep me\n');
    const { code, stderr } = await harmlessRun(dir, '--out', out);
    expect(code).toBe(2);
    expect(stderr).toContain(`${out} already exists`);
    expect(await readFile(out, 'utf8')).toBe('keep me\n');
  });

  it('cannot be combined with --results-dir', async () => {
    const dir = await tempDir('kvbench-run-out-');
    const { code, stderr } = await harmlessRun(dir, '--out', path.join(dir, 'r.json'), '--results-dir', dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/give --out FILE or --results-dir DIR, not both/);
  });
});
