import path from 'node:path';
import { findServers, selectServers } from '@kvbench/launcher';
import { renderTerminal } from '@kvbench/report';
import { ManifestTarget, loadScenario, runScenario, writeResults } from '@kvbench/runner';
import { parse, positiveInt } from '../args.js';
import { colourFor } from '../colour.js';
import { interruptibly } from '../interrupt.js';
import { projectPaths } from '../paths.js';
import { terminalReporter } from '../terminal-progress.js';

export async function baselineCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('baseline', argv);
  const paths = projectPaths();
  const loaded = await loadScenario(positionals[0] ?? 'ci', paths.scenarios);
  const targets = selectServers(await findServers(paths.servers), loaded.scenario.servers).map((def) => new ManifestTarget(def));
  const repeat = positiveInt('--repeat', values.repeat);
  const interrupt = interruptibly();
  try {
    const { results } = await runScenario({
      repoRoot: paths.root,
      loaded,
      targets,
      resultsDir: paths.results,
      ...(repeat !== undefined ? { repeat } : {}),
      signal: interrupt.signal,
      reporter: terminalReporter(),
    });
    if (!results.complete) {
      process.stderr.write('kvbench baseline: the run did not complete; the baseline was NOT replaced\n');
      return 130;
    }
    const file = path.join(paths.baseline, `${loaded.scenario.name}.json`);
    await writeResults(file, results);
    process.stdout.write(`${renderTerminal(results, { color: colourFor(process.stdout) })}\nbaseline: ${path.relative(process.cwd(), file)}\n`);
    return 0;
  } finally {
    interrupt.dispose();
  }
}
