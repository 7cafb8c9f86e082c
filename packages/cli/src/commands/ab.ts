import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareVariants, confirmRegressions, flaggedForRerun, type Comparison } from '@kvbench/compare';
import { exec, findServers, selectServers, type ServerDefinition } from '@kvbench/launcher';
import { renderTerminal, writeReport } from '@kvbench/report';
import { ManifestTarget, loadScenario, runScenario, type LoadedScenario, type Target } from '@kvbench/runner';
import type { Results } from '@kvbench/schemas';
import { cpuList, generator, parse, positiveInt } from '../args.js';
import { colourFor } from '../colour.js';
import { interruptibly } from '../interrupt.js';
import { projectPaths } from '../paths.js';
import { terminalReporter } from '../terminal-progress.js';
import { UsageError } from '../usage-error.js';
import { usage } from './spec.js';
import { publishComparison } from './compare.js';

export async function abCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('ab', argv);
  if (positionals.length !== 1) throw new UsageError(`kvbench ab: expected one scenario\n${usage('ab')}`);
  if (!values.base) throw new UsageError('kvbench ab: --base REV is required (a branch, tag or commit to compare against)');
  const paths = projectPaths();
  const loaded = await loadScenario(positionals[0]!, paths.scenarios);
  const repeat = positiveInt('--repeat', values.repeat);
  const repeats = repeat ?? loaded.scenario.repeat;
  if (repeats % 2 === 1) {
    // The plan reverses the server order every other repeat (A B, B A, …): only an even count runs each side first
    // equally often. In 10 A/A trials of 3 repeats (docs/results/power-20261201T223935Z.json) head read 3.2 %
    // (post) and 1.0 % (mix) above the identical base on average; an unbalanced order is one suspect.
    process.stderr.write(
      `note: ${repeats} repeats is odd, so base runs first ${(repeats + 1) / 2} times and head ${(repeats - 1) / 2}; ` +
        'an even --repeat balances the order\n',
    );
  }
  const seed = positiveInt('--seed', values.seed);
  const gen = generator(values.generator);
  const pinning = {
    ...(values['pin-server'] ? { server: cpuList('--pin-server', values['pin-server']) } : {}),
    ...(values['pin-load'] ? { load: cpuList('--pin-load', values['pin-load']) } : {}),
  };

  const commit = await git(['rev-parse', '--verify', `${values.base}^{commit}`], paths.root).catch(() => {
    throw new UsageError(`kvbench ab: --base ${values.base} is not a git revision here (try a branch, tag or commit; in CI fetch it first)`);
  });
  const worktree = await mkdtemp(path.join(os.tmpdir(), 'kvbench-base-'));
  const interrupt = interruptibly();
  try {
    process.stderr.write(`checking out base ${values.base} (${commit.slice(0, 12)}) in ${worktree}\n`);
    await git(['worktree', 'add', '--detach', worktree, commit], paths.root);
    // The base is installed and built by the pnpm that runs this, whatever its packageManager pins: its lockfile
    // decides what is installed, and pnpm 10 refuses to switch to an older pnpm it cannot verify (a base from before
    // the move to pnpm 10 failed both its install and the TypeScript server's `pnpm exec tsc`).
    await appendFile(path.join(worktree, '.npmrc'), '\nmanage-package-manager-versions=false\n');
    // The TypeScript server builds with the workspace's tsc; the store already holds every package, so offline.
    await run(['pnpm', 'install', '--frozen-lockfile', '--offline', '--silent'], worktree).catch(() =>
      run(['pnpm', 'install', '--frozen-lockfile', '--silent'], worktree),
    );
    const names =
      values.servers
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? loaded.scenario.servers;
    const head = selectServers(await findServers(paths.servers), names);
    const base = await findServers(path.join(worktree, 'servers'));
    const pairs: Array<{ base: ServerDefinition; head: ServerDefinition }> = [];
    for (const h of head) {
      const b = base.find((d) => d.manifest.name === h.manifest.name);
      if (!b) {
        process.stderr.write(`  ${h.manifest.name}: not in ${values.base}; measured only in head, not compared\n`);
        continue;
      }
      pairs.push({ base: b, head: h });
    }
    if (pairs.length === 0) throw new UsageError(`kvbench ab: no server exists in both ${values.base} and the working tree`);
    // Base then head for each server: the plan's server order is the A B A B interleaving.
    const targetsOf = (built: boolean): Target[] =>
      pairs.flatMap((p) => [new ManifestTarget(p.base, 'base', built), new ManifestTarget(p.head, 'head', built)]);
    const labels = { baselineLabel: `base ${values.base} (${commit.slice(0, 12)})`, currentLabel: 'head (working tree)' };
    const measure = async (scenario: LoadedScenario, targets: Target[], runSeed: number | undefined) => {
      const { results, file } = await runScenario({
        repoRoot: paths.root,
        loaded: scenario,
        targets,
        resultsDir: paths.results,
        ...(repeat !== undefined ? { repeat } : {}),
        ...(runSeed !== undefined ? { seed: runSeed } : {}),
        ...(gen ? { generator: gen } : {}),
        pinning,
        signal: interrupt.signal,
        reporter: terminalReporter(),
      });
      process.stdout.write(`\n${renderTerminal(results, { color: colourFor(process.stdout) })}\nresults: ${path.relative(process.cwd(), file)}\n`);
      process.stdout.write(`report: ${path.relative(process.cwd(), await writeReport([results], paths.reports))}\n\n`);
      return results;
    };

    const first = await measure(loaded, targetsOf(false), seed);
    let comparison: Comparison = compareVariants(first, labels);
    const flagged = flaggedForRerun(comparison);
    if (flagged.length && !values['no-confirm'] && !interrupt.signal.aborted) {
      process.stderr.write(`confirming ${flagged.map((f) => `${f.server}/${f.step}`).join(', ')}: measuring again, interleaved, with another seed\n`);
      const servers = new Set(flagged.map((f) => f.server));
      const rerun = await measure(
        rerunScenario(loaded, new Set(flagged.map((f) => f.step))),
        targetsOf(true).filter((t) => servers.has(t.name)),
        (seed ?? loaded.scenario.seed) + 1,
      );
      comparison = confirmRegressions(comparison, compareVariants(pooled(first, rerun), labels));
    }
    return publishComparison(comparison, { markdown: values.markdown, json: values.json, reportOnly: Boolean(values['report-only']) });
  } finally {
    interrupt.dispose();
    await git(['worktree', 'remove', '--force', worktree], paths.root).catch(() => undefined);
    await rm(worktree, { recursive: true, force: true });
  }
}

/**
 * The first run's repeats and the rerun's together, numbered on: the confirmation judges all of them, so a rerun
 * adds evidence to a marginal first verdict instead of having to reach the same bar again on its own (which, measured
 * with scripts/power.mjs, dropped a +20 % change caught 8 times in 10 to 1 in 10).
 */
function pooled(first: Results, rerun: Results): Results {
  const offset = Math.max(...first.runs.map((r) => r.repeat)) + 1;
  return { ...first, runs: [...first.runs, ...rerun.runs.map((r) => ({ ...r, repeat: r.repeat + offset }))] };
}

/**
 * The scenario cut to the flagged steps; a step offered a share of the capacity also needs the capacity steps that
 * precede it, whose figure it is a share of.
 */
function rerunScenario(loaded: LoadedScenario, steps: ReadonlySet<string>): LoadedScenario {
  const all = loaded.scenario.steps;
  const needsCapacity = all.some((s) => steps.has(s.name) && typeof s.rate === 'object');
  const kept = all.filter((s) => steps.has(s.name) || (needsCapacity && s.capacity));
  return { ...loaded, scenario: { ...loaded.scenario, steps: kept } };
}

async function run(argv: string[], cwd: string): Promise<string> {
  const result = await exec(argv, { cwd, timeoutMs: 10 * 60_000 });
  if (result.code !== 0) throw new Error(`${argv.join(' ')} failed in ${cwd}:\n${result.output.trim().split('\n').slice(-10).join('\n')}`);
  return result.output.trim();
}

const git = (args: string[], cwd: string) => run(['git', ...args], cwd);
