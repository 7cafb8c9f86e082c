import path from 'node:path';
import { findServers, loadManifest, selectServers } from '@kvbench/launcher';
import { StopSignal, type Readiness } from '@kvbench/schemas';
import { renderTerminal, writeReport } from '@kvbench/report';
import { CommandTarget, ManifestTarget, UrlTarget, loadScenario, runScenario, type Target } from '@kvbench/runner';
import { cpuList, fdLimit, generator, parse, positiveInt } from '../args.js';
import { colourFor } from '../colour.js';
import { interruptibly } from '../interrupt.js';
import { projectPaths } from '../paths.js';
import { terminalReporter } from '../terminal-progress.js';
import { UsageError } from '../usage-error.js';
import { usage } from './spec.js';

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('run', argv);
  if (positionals.length !== 1) throw new UsageError(`kvbench run: expected one scenario, got ${positionals.length}\n${usage('run')}`);
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
    process.stdout.write(`\n${renderTerminal(results, { color: colourFor(process.stdout) })}\n`);
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
  const names =
    values.servers
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? scenarioServers;
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
