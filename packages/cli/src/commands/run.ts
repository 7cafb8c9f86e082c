import path from 'node:path';
import { findServers, loadManifest, selectServers } from '@kvbench/launcher';
import { StopSignal, type Readiness } from '@kvbench/schemas';
import { renderTerminal, writeReport } from '@kvbench/report';
import { CommandTarget, ManifestTarget, UrlTarget, loadScenario, runScenario, type Target } from '@kvbench/runner';
import { cpuList, fdLimit, generator, parse, positiveInt } from '../args.js';
import { interruptibly } from '../interrupt.js';
import { projectPaths } from '../paths.js';
import { terminalReporter } from '../terminal-progress.js';
import { UsageError } from '../usage-error.js';

export const runUsage = `kvbench run <scenario> [options]
  <scenario>             a name under scenarios/ (blog, blog-quick, blog-client, blog-fd-limit, ci, …) or a path
  --servers a,b          which servers (folders under servers/) or runtime entries (ts@bun: see kvbench list);
                         default: the scenario's, else every entry
  --repeat N             repeats of every step (default: the scenario's)
  --seed S               seed of the random request sequence (default: the scenario's)
  --generator NAME       native (default: kvbench's own Rust client), autocannon or wrk, for every step
  --fd-limit S[:H]       the server's open-file limit (soft[:hard]), e.g. 256 or 256:256
  --pin-server CPUS      taskset CPU list for the server, e.g. 0
  --pin-load CPUS        taskset CPU list for the load generator, e.g. 1
  --no-pin               do not pin (default on 2+ cores: the server on the first half of the cores, the client on the rest)
  --manifest FILE        a server described by a kvbench.json anywhere (e.g. in a clone of someone else's
                         server); repeatable; with --servers, those run too
  --url URL --name N     benchmark a server already running at a loopback URL
  --command CMD --name N benchmark a server started by CMD; in CMD, {port} {host} {dir} {shards}
                         {flushIntervalMs} {cleanupIntervalMs} are filled in, {flags} becomes the kv-spec flags
  --ready HOW            when a --command server is ready: listening-line (default: it prints "listening on
                         http://HOST:PORT"), tcp (a connect to {port} succeeds) or http:/PATH (GET PATH answers)
  --stop-signal SIG      SIGTERM (default) or SIGINT: how a --command server is asked to stop
  --no-verify            measure without first checking each server against the kv-spec (recorded in the results)
  --no-build             use the servers' existing build artifacts
  --no-report            skip the HTML report
  --results-dir DIR      where to write the results file, named <scenario>-<time>.json (default: results/)
  --out FILE             write the results file exactly there instead (folders are created; an existing file is
                         never replaced: kvbench stops before starting anything, exit 2)
  --report-dir DIR       where to write the HTML report (default: reports/)`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('run', argv, {
    servers: { type: 'string' },
    repeat: { type: 'string' },
    seed: { type: 'string' },
    generator: { type: 'string' },
    'fd-limit': { type: 'string' },
    'pin-server': { type: 'string' },
    'pin-load': { type: 'string' },
    'no-pin': { type: 'boolean' },
    url: { type: 'string' },
    command: { type: 'string' },
    name: { type: 'string' },
    manifest: { type: 'string', multiple: true },
    ready: { type: 'string' },
    'stop-signal': { type: 'string' },
    'no-build': { type: 'boolean' },
    'no-verify': { type: 'boolean' },
    'no-report': { type: 'boolean' },
    'results-dir': { type: 'string' },
    out: { type: 'string' },
    'report-dir': { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError(`kvbench run: expected one scenario, got ${positionals.length}\n${runUsage}`);
  const paths = projectPaths();
  const options = {
    repeat: positiveInt('--repeat', values.repeat),
    seed: positiveInt('--seed', values.seed),
    generator: generator(values.generator),
    fdLimit: fdLimit(values['fd-limit']),
    pinning: {
      ...(values['pin-server'] ? { server: cpuList('--pin-server', values['pin-server']) } : {}),
      ...(values['pin-load'] ? { load: cpuList('--pin-load', values['pin-load']) } : {}),
    },
  };
  if (values['no-pin'] && (values['pin-server'] || values['pin-load'])) {
    throw new UsageError('kvbench run: --no-pin cannot be combined with --pin-server or --pin-load');
  }
  if (values.out && values['results-dir']) {
    throw new UsageError('kvbench run: give --out FILE or --results-dir DIR, not both (--out names the file itself)');
  }
  const loaded = await loadScenario(positionals[0]!, paths.scenarios);
  const targets = await chooseTargets(values, loaded.scenario.servers, paths.servers, paths.root);

  const interrupt = interruptibly();
  try {
    const { results, file } = await runScenario({
      repoRoot: paths.root,
      loaded,
      targets,
      resultsDir: values['results-dir'] ? path.resolve(values['results-dir']) : paths.results,
      ...(values.out ? { resultsFile: path.resolve(values.out) } : {}),
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      noPin: values['no-pin'] ?? false,
      verify: !values['no-verify'],
      signal: interrupt.signal,
      reporter: terminalReporter(),
    });
    process.stdout.write(`\n${renderTerminal(results)}\n`);
    process.stdout.write(`results: ${path.relative(process.cwd(), file) || file}\n`);
    if (!values['no-report']) {
      const report = await writeReport([results], values['report-dir'] ? path.resolve(values['report-dir']) : paths.reports);
      process.stdout.write(`report: ${path.relative(process.cwd(), report) || report}\n`);
    }
    if (!results.complete) return 130;
    // A footprint-only scenario has no runs: a footprint measured without error is its valid measurement.
    const measured = results.runs.some((r) => r.status === 'ok') || (results.footprints ?? []).some((f) => !f.error);
    if (!measured) {
      process.stderr.write('kvbench run: no server produced a valid measurement (see the warnings above)\n');
      return 1;
    }
    return 0;
  } finally {
    interrupt.dispose();
  }
}

async function chooseTargets(
  values: {
    servers?: string;
    url?: string;
    command?: string;
    name?: string;
    manifest?: string[];
    ready?: string;
    'stop-signal'?: string;
    'no-build'?: boolean;
  },
  scenarioServers: string[] | undefined,
  serversDir: string,
  root: string,
): Promise<Target[]> {
  if (values.url && values.command) throw new UsageError('kvbench run: give --url or --command, not both');
  if ((values.ready || values['stop-signal']) && !values.command) {
    throw new UsageError('kvbench run: --ready and --stop-signal are for --command (a manifest says "ready" and "stopSignal")');
  }
  if (values.url || values.command) {
    if (!values.name) throw new UsageError('kvbench run: --url and --command need --name, the label the results use');
    if (values.url) return [new UrlTarget(values.name, values.url)];
    try {
      return [new CommandTarget(values.name, values.command!, root, readiness(values.ready), stopSignal(values['stop-signal']))];
    } catch (error) {
      throw new UsageError(`kvbench run: ${(error as Error).message}`);
    }
  }
  const build = !values['no-build'];
  const foreign = (await Promise.all((values.manifest ?? []).map((file) => loadManifest(file)))).flat();
  if (foreign.length > 0 && !values.servers) return foreign.map((def) => new ManifestTarget(def, undefined, !build));
  const names = values.servers?.split(',').map((s) => s.trim()).filter(Boolean) ?? scenarioServers;
  const all = await findServers(serversDir);
  try {
    return [...selectServers(all, names), ...foreign].map((def) => new ManifestTarget(def, undefined, !build));
  } catch (error) {
    throw new UsageError(`kvbench run: ${(error as Error).message}`);
  }
}

/** `--ready`: listening-line, tcp, or http:/PATH. */
function readiness(text: string | undefined): Readiness {
  if (!text || text === 'listening-line') return { by: 'listening-line' };
  if (text === 'tcp') return { by: 'tcp' };
  if (text.startsWith('http:/')) return { by: 'http', path: text.slice('http:'.length) };
  throw new UsageError(`kvbench run: --ready ${text}: expected listening-line, tcp or http:/PATH (e.g. http:/kv/ready)`);
}

function stopSignal(text: string | undefined): StopSignal {
  if (!text) return 'SIGTERM';
  const parsed = StopSignal.safeParse(text.toUpperCase());
  if (!parsed.success) throw new UsageError(`kvbench run: --stop-signal ${text}: expected SIGTERM or SIGINT`);
  return parsed.data;
}
