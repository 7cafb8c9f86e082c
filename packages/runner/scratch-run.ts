import { findServers } from '@kvbench/launcher';
import { ManifestTarget, loadScenario, runScenario } from './src/index.js';
const loaded = await loadScenario(process.argv[2] ?? 'blog-quick', 'scenarios');
const servers = (await findServers('servers')).filter((d) => !loaded.scenario.servers || loaded.scenario.servers.includes(d.manifest.name));
const { results, file } = await runScenario({
  repoRoot: '.', loaded, targets: servers.map((d) => new ManifestTarget(d, undefined, true)), resultsDir: '/tmp/scratch',
  reporter: { runFinished: (r) => console.log(r.server, r.step, r.status, Math.round(r.client?.rps ?? 0), r.client?.successRate, r.client?.latency.p99Us, r.serverProcess?.cpu?.usPerRequest?.toFixed(1), r.client?.cpu?.coresBusy.toFixed(2), r.warnings.map((w) => w.code).join(',')) },
});
console.log(file);
