import path from 'node:path';
import os from 'node:os';
import { BuildOnce } from '@kvbench/launcher';
import { cpuCount, loadGenerator, type LoadGenerator, type LoadProgress } from '@kvbench/load';
import type { FdLimit, FootprintResult, LoadGeneratorName, Results, Run, ServerInfo, Warning } from '@kvbench/schemas';
import { RESULTS_SCHEMA_VERSION } from '@kvbench/schemas';
import { removeLeftoverScratch } from '@kvbench/launcher';
import { collectEnvironment } from './environment.js';
import { DEFAULT_STOP_GRACE_MS, executeRun, failedRun, runHeader } from './execute-run.js';
import { resolveEqualRate } from './equal-load.js';
import { emptyFootprint, measureFootprint } from './footprint.js';
import { pinSelf, resolvePinning } from './pinning.js';
import { makePlan, type PlanItem } from './plan.js';
import { resultsId, writeResults } from './results-file.js';
import { FileExistsError, refuseExisting } from './write-file.js';
import type { LoadedScenario } from './scenario-file.js';
import { UrlTarget, type Target } from './targets.js';
import { failedToStart, verificationFailure, verifyTarget } from './verify-target.js';

/** What the runner tells whoever is watching (the CLI's terminal view, or nothing in tests). */
export interface RunReporter {
  planned?(plan: readonly PlanItem[]): void;
  preparing?(target: string): void;
  prepared?(info: ServerInfo): void;
  verifying?(target: string): void;
  verified?(info: ServerInfo): void;
  runStarted?(item: PlanItem, index: number, total: number): void;
  progress?(item: PlanItem, progress: LoadProgress): void;
  runFinished?(run: Run, item: PlanItem): void;
  /** The scenario's footprint measurement of one server: fill, stop, reload. */
  footprintStarted?(target: string): void;
  footprintFinished?(result: FootprintResult): void;
  /** Every planned run is done (or the run was interrupted): the results are about to be written a last time. */
  finished?(): void;
}

export interface RunOptions {
  repoRoot: string;
  loaded: LoadedScenario;
  targets: Target[];
  /** Where the results file goes, named `<scenario>-<time>.json`; unused when `resultsFile` is given. */
  resultsDir: string;
  /** The results file itself (kvbench run --out); it must not exist yet. */
  resultsFile?: string;
  /** Overrides of the scenario's own settings, from the command line. */
  repeat?: number;
  seed?: number;
  generator?: LoadGeneratorName;
  fdLimit?: FdLimit;
  pinning?: { server?: string; load?: string };
  /** --no-pin: let the scheduler place server and client (the default pins them apart on 2+ cores). */
  noPin?: boolean;
  signal?: AbortSignal;
  reporter?: RunReporter;
  stopGraceMs?: number;
  /** false: --no-verify, measure without checking the servers' answers first (the results say so). */
  verify?: boolean;
}

export interface RunOutcome {
  results: Results;
  file: string;
}

/**
 * scenario → plan → build each server once → for each (repeat, step, server): fresh server, load, stop → results.
 * The results file is rewritten after every run, so a Ctrl-C or a crash of the runner keeps what was measured,
 * marked incomplete. A file already at its path is never replaced (FileExistsError).
 */
export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  // Before anything is built or started: a results file the user named must be a new one.
  if (options.resultsFile) await refuseExisting(options.resultsFile);
  // Data directories of runners that were killed (SIGKILL leaves no chance to clean up); live runs keep theirs.
  await removeLeftoverScratch();
  const { scenario } = options.loaded;
  const scenarioPath = shareablePath(options.loaded.path, options.repoRoot);
  const signal = options.signal ?? new AbortController().signal;
  const reporter = options.reporter ?? {};
  const repeat = options.repeat ?? scenario.repeat;
  const seed = options.seed ?? scenario.seed;
  const fdLimit = options.fdLimit ?? scenario.fdLimit;
  const external = options.targets.filter((t) => t instanceof UrlTarget).map((t) => t.name);
  if (fdLimit && external.length) {
    // Recording a limit that was never applied would mislabel every figure of the run (review: measurement B-nofile).
    throw new Error(
      `an open-file limit (${fdLimit.soft}${fdLimit.hard === undefined ? '' : `:${fdLimit.hard}`}) applies only to servers kvbench ` +
        `starts, and ${external.join(', ')} is already running at its URL: set its limit where you start it ` +
        "(e.g. `ulimit -n 256` in its shell), or drop --fd-limit / the scenario's fdLimit",
    );
  }
  const pinning = resolvePinning({ ...scenario.pinning, ...options.pinning }, options.noPin ?? false, os.availableParallelism());
  const machineCores = pinning.server && pinning.load ? cpuCount(pinning.server) + cpuCount(pinning.load) : os.availableParallelism();

  const names = options.targets.map(targetKey);
  const plan = makePlan(scenario, names, repeat, seed).map((item) =>
    options.generator ? { ...item, step: { ...item.step, generator: options.generator } } : item,
  );
  const generators = await readyGenerators(plan);
  reporter.planned?.(plan);

  const startedAt = new Date();
  const stamp = resultsId(scenario.name, startedAt);
  let id = stamp;
  let file = options.resultsFile ?? `${options.resultsDir}/${id}.json`;
  // The first write must not replace a file that was already there; after it, the file is this run's own. Two runs
  // of one scenario in the same second get `…Z.json` and `…Z-2.json`; a file the user named is refused instead.
  let written = false;
  const save = async (make: () => Results) => {
    for (let n = 2; ; n++) {
      try {
        await writeResults(file, make(), { replace: written });
        written = true;
        return;
      } catch (error) {
        if (written || options.resultsFile || !(error instanceof FileExistsError)) throw error;
        id = `${stamp}-${n}`;
        file = `${options.resultsDir}/${id}.json`;
      }
    }
  };

  const servers: ServerInfo[] = [];
  const builds = new BuildOnce();
  for (const target of options.targets) {
    reporter.preparing?.(targetKey(target));
    let info: ServerInfo;
    try {
      info = await target.prepare(builds);
    } catch (error) {
      info = {
        name: target.name,
        ...(target.variant ? { variant: target.variant } : {}),
        language: 'unknown',
        source: 'manifest',
        version: null,
        build: null,
        error: (error as Error).message,
      };
    }
    servers.push(info);
    reporter.prepared?.(info);
    if (signal.aborted) break;
  }
  // Verify, then measure: a server that answers wrong is reported with what it answered, and never measured.
  for (const [i, target] of options.targets.entries()) {
    const info = servers[i];
    if (!info || info.error || signal.aborted) continue;
    if (options.verify === false) {
      info.verification = null;
      continue;
    }
    reporter.verifying?.(targetKey(target));
    const verification = await verifyTarget(
      target,
      { flags: scenario.serverFlags, ...(fdLimit ? { fdLimit } : {}), ...(pinning.server ? { cpus: pinning.server } : {}) },
      options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
    );
    info.verification = verification;
    if (failedToStart(verification)) info.error = verification.checks[0]!.error!;
    else if (!verification.ok) info.error = `failed verification: ${verificationFailure(verification)}`;
    reporter.verified?.(info);
  }

  const environment = collectEnvironment({
    repoRoot: options.repoRoot,
    fdLimit,
    pinning,
    seed,
    loadGenerators: Object.fromEntries(await Promise.all([...generators].map(async ([name, g]) => [name, await g.version()]))),
    toolchains: Object.fromEntries(servers.filter((s) => s.version).map((s) => [targetKey(s), s.version!])),
  });

  const runs: Run[] = [];
  const footprints: FootprintResult[] = [];
  const snapshot = (complete: boolean, interruption?: string): Results => ({
    schemaVersion: RESULTS_SCHEMA_VERSION,
    kind: 'kvbench.results',
    id,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    complete,
    ...(interruption ? { interruption } : {}),
    scenarioPath,
    scenario: {
      ...scenario,
      repeat,
      seed,
      ...(fdLimit ? { fdLimit } : {}),
      ...(pinning.server || pinning.load
        ? { pinning: { ...(pinning.server ? { server: pinning.server } : {}), ...(pinning.load ? { load: pinning.load } : {}) } }
        : {}),
    },
    environment,
    servers,
    runs,
    ...(scenario.footprint ? { footprints } : {}),
    warnings: runLevelWarnings(servers, interruption),
  });

  const unpin = pinSelf(pinning.load);
  try {
    for (const [index, planned] of plan.entries()) {
      if (signal.aborted) break;
      const target = options.targets.find((t) => targetKey(t) === planned.target)!;
      const info = servers.find((s) => targetKey(s) === planned.target);
      const equal = resolveEqualRate(planned, runs);
      const item = equal.item ?? planned;
      reporter.runStarted?.(item, index, plan.length);
      let run: Run;
      if (info?.verification && !info.verification.ok && !failedToStart(info.verification)) {
        const failed = info.verification.checks.filter((c) => !c.ok).map((c) => c.name);
        run = failedRun(runHeader(target, item), 'not-verified', `not measured: failed verification (${failed.join(', ')})`, []);
      } else if (!info || info.error) {
        run = notStarted(target, item, info?.error ?? 'not prepared (interrupted)');
      } else if (equal.error) {
        run = notStarted(target, item, equal.error);
      } else {
        run = await executeRun(target, item, {
          scenario,
          generator: generators.get(item.step.generator)!,
          ...(fdLimit ? { fdLimit } : {}),
          pinning,
          machineCores,
          signal,
          ...(options.stopGraceMs ? { stopGraceMs: options.stopGraceMs } : {}),
          onProgress: (it, p) => reporter.progress?.(it, p),
        });
      }
      runs.push(run);
      reporter.runFinished?.(run, item);
      await save(() => snapshot(false));
    }
    // After the steps, on a machine with none of their servers left: each server alone with its store.
    for (const [i, target] of options.targets.entries()) {
      if (!scenario.footprint || signal.aborted) break;
      const info = servers[i];
      reporter.footprintStarted?.(targetKey(target));
      const result =
        info && !info.error
          ? await measureFootprint(target, scenario.footprint, {
              flags: scenario.serverFlags,
              seed,
              signal,
              ...(fdLimit ? { fdLimit } : {}),
              ...(pinning.server ? { cpus: pinning.server } : {}),
            })
          : emptyFootprint(target, scenario.footprint, info?.error ?? 'not prepared (interrupted)');
      footprints.push(result);
      reporter.footprintFinished?.(result);
      await save(() => snapshot(false));
    }
  } finally {
    unpin();
  }

  reporter.finished?.();
  const interruption = signal.aborted ? `interrupted after ${runs.length} of ${plan.length} runs (${String(signal.reason ?? 'aborted')})` : undefined;
  let results = snapshot(!interruption, interruption);
  await save(() => (results = snapshot(!interruption, interruption)));
  return { results, file };
}

/** "go", or "go@head" in a same-run A/B comparison. */
export function targetKey(t: { name: string; variant?: string }): string {
  return t.variant ? `${t.name}@${t.variant}` : t.name;
}

async function readyGenerators(plan: readonly PlanItem[]): Promise<Map<LoadGeneratorName, LoadGenerator>> {
  const map = new Map<LoadGeneratorName, LoadGenerator>();
  for (const item of plan) {
    const name = item.step.generator;
    if (map.has(name)) continue;
    const generator = loadGenerator(name);
    const why = await generator.unavailable();
    if (why) throw new Error(`step "${item.step.name}" uses the ${name} load generator, which is not available: ${why}`);
    map.set(name, generator);
  }
  for (const item of plan) {
    const probe = item.step.capacity ? { ...item.step, capacity: undefined, rate: 1, durationSec: 1 } : item.step;
    const refusal = map.get(item.step.generator)!.unsupported(probe);
    if (refusal) throw new Error(refusal);
  }
  return map;
}

function notStarted(target: Target, item: PlanItem, reason: string): Run {
  return failedRun(runHeader(target, item), 'start-failed', reason, []);
}

function runLevelWarnings(servers: readonly ServerInfo[], interruption: string | undefined): Warning[] {
  const warnings: Warning[] = servers
    .filter((s) => s.error)
    .map((s) =>
      s.verification && !s.verification.ok && !failedToStart(s.verification)
        ? { code: 'failed-verification' as const, server: s.name, message: `${s.name} was not measured: it ${s.error}` }
        : { code: 'start-failed' as const, server: s.name, message: `${s.name} could not be prepared, so it was not measured: ${s.error}` },
    );
  if (interruption) warnings.unshift({ code: 'interrupted', message: `The run was ${interruption}: these results are partial.` });
  return warnings;
}

/**
 * The scenario's path as the results and reports show it: relative to the checkout (`scenarios/blog.json`), or the
 * file's name alone when it lives elsewhere, so a file meant to be shared does not carry this machine's folders.
 */
export function shareablePath(file: string, repoRoot: string): string {
  const relative = path.relative(repoRoot, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : path.basename(file);
}
