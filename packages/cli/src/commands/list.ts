import { readdir } from 'node:fs/promises';
import { findServers, toolchainVersion } from '@kvbench/launcher';
import { loadScenario } from '@kvbench/runner';
import { projectPaths } from '../paths.js';

export async function listCommand(): Promise<number> {
  const paths = projectPaths();
  process.stdout.write('scenarios:\n');
  for (const file of (await readdir(paths.scenarios)).filter((f) => f.endsWith('.json')).sort()) {
    const { scenario } = await loadScenario(file.slice(0, -5), paths.scenarios);
    process.stdout.write(`  ${scenario.name.padEnd(16)} ${scenario.description}\n`);
  }
  process.stdout.write('servers (each runtime of a server is an entry of its own):\n');
  const servers = await findServers(paths.servers);
  // The version line proves the toolchain or runtime is installed: a missing one says so here, before any run.
  const versions = await Promise.all(servers.map((def) => toolchainVersion(def)));
  servers.forEach(({ manifest }, i) => {
    const on = manifest.runtime ? ` on ${manifest.runtime}` : '';
    const version = versions[i] ?? 'not installed, or no version command';
    process.stdout.write(`  ${manifest.name.padEnd(16)} ${manifest.language}${on} (${version}) — ${manifest.description}\n`);
    for (const known of manifest.knownFailures ?? []) {
      process.stdout.write(`  ${''.padEnd(16)} known to fail the conformance case "${known.case}…": ${known.reason}\n`);
    }
  });
  return 0;
}
