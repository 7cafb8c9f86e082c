import { readdir } from 'node:fs/promises';
import { findServers } from '@kvbench/launcher';
import { loadScenario } from '@kvbench/runner';
import { projectPaths } from '../paths.js';

export async function listCommand(): Promise<number> {
  const paths = projectPaths();
  process.stdout.write('scenarios:\n');
  for (const file of (await readdir(paths.scenarios)).filter((f) => f.endsWith('.json')).sort()) {
    const { scenario } = await loadScenario(file.slice(0, -5), paths.scenarios);
    process.stdout.write(`  ${scenario.name.padEnd(16)} ${scenario.description}\n`);
  }
  process.stdout.write('servers:\n');
  for (const { manifest } of await findServers(paths.servers)) {
    process.stdout.write(`  ${manifest.name.padEnd(16)} ${manifest.language} — ${manifest.description}\n`);
  }
  return 0;
}
