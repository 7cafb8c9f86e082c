import { DISTURBED_WARNINGS, type Results, type Run, type Thresholds } from '@kvbench/schemas';
import { CompareInputError } from './errors.js';
import { METRICS, metricSpec, pairedValuesOf, valuesOf } from './metrics.js';
import { DEFAULT_ALPHA, DEFAULT_T_ALPHA, decide } from './rule.js';
import { median } from './stats.js';
import type { Comparison, ComparisonRow, Source } from './schema.js';

export interface CompareOptions {
  /** Level of the rank test, one-sided in each direction (default 0.05). */
  alpha?: number;
  /** Level of the t-test, one-sided in each direction (default 0.005). */
  tAlpha?: number;
  /** Overrides of the scenario's thresholds (default: the current run's scenario.thresholds). */
  thresholds?: Partial<Thresholds>;
  /** The files the two sides were read from, as the user named them. */
  baselineFile?: string;
  currentFile?: string;
  /** Human names for the sides, e.g. "main @ 3f9c2a7". */
  baselineLabel?: string;
  currentLabel?: string;
}

export interface VariantOptions extends Omit<CompareOptions, 'baselineFile' | 'currentFile'> {
  /** The results file both variants came from. */
  file?: string;
  /** The variant names of the two sides (default "base" and "head", what `kvbench ab` writes). */
  base?: string;
  head?: string;
  /**
   * Judge repeat i of base against repeat i of head as a pair (they ran back to back): Wilcoxon signed-rank and a
   * paired t on the differences instead of the two-sample tests.
   */
  paired?: boolean;
}

/**
 * Baseline vs current: every (server, variant, step) present in both, every metric, decided by the rule in
 * README.md. Throws CompareInputError when the two cannot be compared (other scenario, nothing in common).
 */
export function compare(baseline: Results, current: Results, options: CompareOptions = {}): Comparison {
  const sources: [Source, Source] = [source(baseline, options.baselineFile, options.baselineLabel), source(current, options.currentFile, options.currentLabel)];
  const [baseName, currentName] = sources.map(nameOf) as [string, string];
  if (baseline.scenario.name !== current.scenario.name) {
    throw new CompareInputError(
      'different-scenarios',
      `the baseline (${baseName}) ran scenario "${baseline.scenario.name}" but the current run (${currentName}) ` +
        `ran "${current.scenario.name}": compare two runs of the same scenario`,
    );
  }
  const warnings: string[] = [];
  if (!options.thresholds && !sameThresholds(baseline.scenario.thresholds, current.scenario.thresholds)) {
    warnings.push(
      `the two runs' scenarios set different thresholds; the current run's are used ` +
        `(baseline ${JSON.stringify(baseline.scenario.thresholds)}, ` +
        `current ${JSON.stringify(current.scenario.thresholds)})`,
    );
  }
  // First among the notes: it decides how to read every row.
  const machineNote = machineDifference(baseline, current);
  if (machineNote) warnings.unshift(machineNote);
  const paceNote = machineNote ? null : machinePace(baseline, current);
  if (paceNote) warnings.unshift(paceNote);
  for (const [results, role] of [
    [baseline, 'baseline'],
    [current, 'current run'],
  ] as const) {
    if (!results.complete) {
      warnings.push(incomplete(`the ${role}`, results));
    }
  }
  return build({
    scenario: current.scenario,
    baseRuns: baseline.runs,
    headRuns: current.runs,
    keepVariant: true,
    sources,
    warnings,
    options,
    ...(machineNote ? { notJudged: 'the two runs come from different machines (see the first note)' } : {}),
  });
}

/** Same-run A/B: the `base` and `head` runs of one results file, compared by the same rule. */
export function compareVariants(results: Results, options: VariantOptions = {}): Comparison {
  const base = options.base ?? 'base';
  const head = options.head ?? 'head';
  const baseRuns = results.runs.filter((run) => run.variant === base);
  const headRuns = results.runs.filter((run) => run.variant === head);
  const where = options.file ?? `results ${results.id}`;
  if (baseRuns.length === 0 || headRuns.length === 0) {
    const found = [...new Set(results.runs.map((run) => run.variant).filter((v) => v !== undefined))];
    const missing = [baseRuns.length ? null : `"${base}"`, headRuns.length ? null : `"${head}"`].filter(Boolean);
    throw new CompareInputError(
      'no-variants',
      `${where} has no runs with variant ${missing.join(' or ')} ` +
        `(variants found: ${found.length ? found.map((v) => `"${v}"`).join(', ') : 'none'}): a same-run A/B needs a ` +
        'file written by `kvbench ab`; to compare two separate runs, give both files to `kvbench compare`',
    );
  }
  const warnings: string[] = [];
  if (!results.complete) {
    warnings.push(incomplete('the run', results));
  }
  // Which commit each variant was built from is the CLI's to say (in the labels); the file records only one.
  const side = (label: string): Source => ({ ...source(results, options.file, label), gitCommit: null });
  return build({
    scenario: results.scenario,
    baseRuns,
    headRuns,
    keepVariant: false,
    sources: [side(options.baselineLabel ?? base), side(options.currentLabel ?? head)],
    warnings,
    options,
    paired: Boolean(options.paired),
  });
}

/** Only a gate metric's regression makes the comparison one; a regression elsewhere still keeps it from "improvement". */
export function overallVerdict(rows: readonly ComparisonRow[]): Comparison['verdict'] {
  if (rows.some((r) => r.verdict === 'regression' && metricSpec(r.metric).gate)) return 'regression';
  if (rows.some((r) => r.verdict === 'improvement') && !rows.some((r) => r.verdict === 'regression')) return 'improvement';
  return 'no-change';
}

/** 1 when a gate metric regressed, else 0 (2, bad input, is the CLI's: see EXIT_BAD_INPUT). */
export function exitCodeFor(comparison: Comparison): 0 | 1 {
  return gateRegressions(comparison).length ? 1 : 0;
}

/** The rows that fail a comparison: regressions of the gate metrics (CPU per request, failed requests). */
export function gateRegressions(comparison: Comparison): ComparisonRow[] {
  return comparison.rows.filter((row) => row.verdict === 'regression' && metricSpec(row.metric).gate);
}

interface Group {
  server: string;
  variant: string | undefined;
  step: string;
  runs: Run[];
}

interface BuildInput {
  scenario: Results['scenario'];
  baseRuns: readonly Run[];
  headRuns: readonly Run[];
  keepVariant: boolean;
  sources: [Source, Source];
  warnings: string[];
  options: CompareOptions;
  /** Why no row gets a verdict (runs from different machines); rows still show their changes. */
  notJudged?: string;
  /** Same-run A/B: repeats of the two sides are judged as pairs (VariantOptions.paired). */
  paired?: boolean;
}

function build(input: BuildInput): Comparison {
  const alpha = input.options.alpha ?? DEFAULT_ALPHA;
  const tAlpha = input.options.tAlpha ?? DEFAULT_T_ALPHA;
  const thresholds: Thresholds = { ...input.scenario.thresholds, ...input.options.thresholds };
  const base = groupRuns(input.baseRuns, input.keepVariant);
  const head = groupRuns(input.headRuns, input.keepVariant);
  const warnings = [...input.warnings];
  const [baseName, headName] = input.sources.map(nameOf) as [string, string];

  const common = [...head.keys()].filter((key) => base.has(key));
  if (common.length === 0) {
    throw new CompareInputError(
      'nothing-in-common',
      `no server and step was run on both sides: ${baseName} has ${listGroups(base)}; ` +
        `${headName} has ${listGroups(head)}. Compare runs of the same servers and steps`,
    );
  }
  const only = (from: Map<string, Group>, other: Map<string, Group>) => [...from.entries()].filter(([key]) => !other.has(key)).map(([, g]) => groupName(g));
  const onlyBase = only(base, head);
  const onlyHead = only(head, base);
  if (onlyBase.length) warnings.push(`only in ${baseName}, not compared: ${onlyBase.join(', ')}`);
  if (onlyHead.length) warnings.push(`only in ${headName}, not compared: ${onlyHead.join(', ')}`);

  const stepOrder = new Map(input.scenario.steps.map((step, index) => [step.name, index]));
  const serverOrder = new Map<string, number>();
  for (const run of input.headRuns) if (!serverOrder.has(run.server)) serverOrder.set(run.server, serverOrder.size);
  common.sort((ka, kb) => {
    const a = head.get(ka)!;
    const b = head.get(kb)!;
    return (
      serverOrder.get(a.server)! - serverOrder.get(b.server)! ||
      (a.variant ?? '').localeCompare(b.variant ?? '') ||
      (stepOrder.get(a.step) ?? Infinity) - (stepOrder.get(b.step) ?? Infinity) ||
      a.step.localeCompare(b.step)
    );
  });

  const rows: ComparisonRow[] = [];
  for (const key of common) {
    const b = base.get(key)!;
    const h = head.get(key)!;
    const loadDiff = describeLoadDifference(b.runs[0]!, h.runs[0]!);
    if (loadDiff) {
      warnings.push(`${groupName(h)} is not compared: its load differs (${loadDiff}); rerun the baseline with this scenario`);
      continue;
    }
    for (const [group, name] of [
      [b, baseName],
      [h, headName],
    ] as const) {
      const unfinished = group.runs.filter((run) => run.status !== 'ok');
      if (unfinished.length) {
        const what = unfinished.map((run) => `repeat ${run.repeat} ${run.status}`).join(', ');
        warnings.push(
          `${name}: ${groupName(group)} had ${unfinished.length} of ${group.runs.length} repeats that did not ` +
            `finish (${what}); they count only towards failed requests`,
        );
      }
    }
    const disturbed = disturbance([
      [b, baseName],
      [h, headName],
    ]);
    if (disturbed) warnings.push(`${groupName(h)} is not judged: ${disturbed}`);
    for (const metric of METRICS) {
      const threshold = thresholds[metric.key];
      const notJudged = input.notJudged ?? disturbed ?? metric.notJudged?.([...b.runs, ...h.runs].filter(metric.fromRun)) ?? null;
      const values = input.paired ? pairedValuesOf(metric, b.runs, h.runs) : { baseline: valuesOf(metric, b.runs), current: valuesOf(metric, h.runs) };
      const decision = decide({
        ...values,
        paired: Boolean(input.paired),
        better: metric.better,
        threshold,
        alpha,
        tAlpha,
        notJudged,
      });
      rows.push({
        server: h.server,
        ...(h.variant === undefined ? {} : { variant: h.variant }),
        step: h.step,
        metric: metric.key,
        better: metric.better,
        baseline: decision.baseline,
        current: decision.current,
        changePct: decision.change === null ? null : decision.change * 100,
        thresholdPct: threshold * 100,
        verdict: decision.verdict,
        reason: decision.reason,
      });
    }
  }
  if (rows.length === 0) {
    throw new CompareInputError(
      'nothing-in-common',
      'nothing could be compared: every server and step in both runs was run with a different load ' + `(${warnings.join('; ')})`,
    );
  }

  const verdict = overallVerdict(rows);
  return {
    kind: 'kvbench.comparison',
    schemaVersion: 1,
    scenario: input.scenario.name,
    baseline: input.sources[0],
    current: input.sources[1],
    verdict,
    rule: ruleSummary(alpha, tAlpha),
    rows,
    warnings,
  };
}

/**
 * Why a (server, step) is not judged because a repeat on either side ran on a disturbed machine (another process's
 * load, or a change of the machine's speed): no rule on the repeats can tell that from a change of the code.
 */
function disturbance(sides: ReadonlyArray<readonly [Group, string]>): string | null {
  const found = sides.flatMap(([group, name]) => {
    const byCode = new Map<string, number[]>();
    for (const run of group.runs) {
      for (const w of run.warnings) {
        if (DISTURBED_WARNINGS.includes(w.code)) byCode.set(w.code, [...(byCode.get(w.code) ?? []), run.repeat]);
      }
    }
    return [...byCode].map(([code, repeats]) => `${name} repeat${repeats.length > 1 ? 's' : ''} ${repeats.join(', ')} (${code})`);
  });
  if (found.length === 0) return null;
  return `the machine was disturbed during ${found.join('; ')}; rerun on a quiet machine`;
}

export function ruleSummary(alpha = DEFAULT_ALPHA, tAlpha = DEFAULT_T_ALPHA): string {
  return (
    'A metric is a regression (or an improvement) only when all three hold: the median of the current repeats is ' +
    "worse (better) than the baseline's by more than the scenario's threshold; the repeats do not interleave (exact " +
    `one-sided Mann–Whitney p ≤ ${alpha}, which with 3 repeats a side means every current repeat beyond every ` +
    'baseline repeat); and the shift is large against the scatter of the repeats (one-sided t-test on their ' +
    `logarithms, p ≤ ${tAlpha}). Anything else is no change: within threshold, spread too wide to tell (the repeats ` +
    'overlap), not clear of the noise, or not judged (p99 from steps under 10 000 requests is shown, never judged).'
  );
}

function groupRuns(runs: readonly Run[], keepVariant: boolean): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const run of runs) {
    const variant = keepVariant ? run.variant : undefined;
    const key = JSON.stringify([run.server, variant ?? null, run.step]);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { server: run.server, variant, step: run.step, runs: [] }));
    group.runs.push(run);
  }
  return groups;
}

export function groupName(group: { server: string; variant?: string | undefined; step: string }): string {
  return `${serverName(group)}/${group.step}`;
}

export function serverName(row: { server: string; variant?: string | undefined }): string {
  return row.variant === undefined ? row.server : `${row.server} (${row.variant})`;
}

function listGroups(groups: Map<string, Group>): string {
  const names = [...groups.values()].map(groupName);
  if (names.length === 0) return 'no runs';
  return names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ');
}

const LOAD_FIELDS = ['generator', 'connections', 'requests', 'durationSec', 'readFraction', 'timeoutMs'] as const;

/** "connections 20 vs 50": what makes two runs of a step not the same measurement; null when they are. */
function describeLoadDifference(base: Run, head: Run): string | null {
  const diffs = LOAD_FIELDS.filter((field) => base.load[field] !== head.load[field]).map(
    (field) => `${field} ${base.load[field] ?? 'unset'} vs ${head.load[field] ?? 'unset'}`,
  );
  return diffs.length ? diffs.join(', ') : null;
}

function incomplete(what: string, results: Results): string {
  return `${what} was not complete (${results.interruption ?? 'interrupted'}): only what it measured is compared`;
}

function sameThresholds(a: Thresholds, b: Thresholds): boolean {
  return (Object.keys(a) as (keyof Thresholds)[]).every((key) => a[key] === b[key]);
}

/**
 * How far apart two files' calibrations may be and still count as one machine: the medians of one machine's runs
 * agree within 2 % (4.39 and 4.45 ms in two runs of blog-quick), and a run's own before/after moves up to 11 %.
 */
const SPEED_DIFFERENCE = 0.15;

/** The median CPU time of the runner's calibration work over a file's runs: the machine's speed; null if none. */
function calibrationNs(results: Results): number | null {
  return median(results.runs.flatMap((run) => run.machine?.calibration.map((c) => c.beforeNs) ?? []).filter((ns) => ns > 0));
}

/**
 * How far the machine's own pace (the median of its fixed loopback work over a file's runs) may move between the two
 * files before the comparison says so. Three runs of the ci scenario in a row on this project's VM: 36.8, 40.2 and
 * 38.1 µs per round trip, and every server's CPU per request 4–20 % higher in the second (scripts/spread.mjs).
 */
const PACE_DIFFERENCE = 0.05;

/** The median of the runs' loopback ping-pong (machine.loopbackNs); null for files written before it existed. */
function loopbackNs(results: Results): number | null {
  return median(results.runs.map((run) => run.machine?.loopbackNs).filter((ns): ns is number => typeof ns === 'number' && ns > 0));
}

/**
 * One machine at another pace: not a reason to judge nothing (a few % is the machine's minute-to-minute move here),
 * but a CPU-per-request change of about that size, in the same direction, may be the machine and not the code.
 */
function machinePace(baseline: Results, current: Results): string | null {
  const [a, b] = [loopbackNs(baseline), loopbackNs(current)];
  if (a === null || b === null || Math.abs(b / a - 1) <= PACE_DIFFERENCE) return null;
  const pct = Math.round(Math.abs(b / a - 1) * 100);
  return (
    `the machine ran its fixed loopback work ${pct} % ${b > a ? 'slower' : 'faster'} in the current run than in the ` +
    `baseline (${(a / 1000).toFixed(1)} vs ${(b / 1000).toFixed(1)} µs of CPU per round trip): every server's CPU per ` +
    `request moves with it, so a change of about ${pct} % ${b > a ? 'up' : 'down'} may be the machine; a same-run A/B ` +
    '(`kvbench ab`) is the fair test'
  );
}

/** A comparison across machines measures the machines too; say so rather than pretend. */
function machineDifference(baseline: Results, current: Results): string | null {
  const a = baseline.environment;
  const b = current.environment;
  const diffs: string[] = [];
  if (a.cpuModel !== b.cpuModel) diffs.push(`CPU "${a.cpuModel}" vs "${b.cpuModel}"`);
  if (a.cores !== b.cores) diffs.push(`${a.cores} vs ${b.cores} cores`);
  if (a.hostname !== b.hostname) diffs.push(`host ${a.hostname} vs ${b.hostname}`);
  if (a.kernel !== b.kernel) diffs.push(`kernel ${a.kernel} vs ${b.kernel}`);
  // Two VMs can share a CPU name, a core count and a hostname and still differ twice over in speed (seen: every
  // server's CPU per request doubled between two such hosts); the runner's calibration tells them apart.
  const [speedA, speedB] = [calibrationNs(baseline), calibrationNs(current)];
  if (speedA !== null && speedB !== null && Math.abs(speedB / speedA - 1) > SPEED_DIFFERENCE) {
    diffs.push(`the same calibration work took ${(speedA / 1e6).toFixed(2)} vs ${(speedB / 1e6).toFixed(2)} ms of CPU`);
  }
  if (diffs.length === 0) return null;
  return (
    `the baseline and the current run come from different machines (${diffs.join(', ')}): machine-to-machine ` +
    'differences can exceed any threshold and no rule on the repeats can tell them from a change of the code, so ' +
    'no row is judged; a same-run A/B (`kvbench ab`) is the fair test'
  );
}

function source(results: Results, file: string | undefined, label: string | undefined): Source {
  return {
    resultsId: results.id,
    ...(file === undefined ? {} : { file }),
    ...(label === undefined ? {} : { label }),
    startedAt: results.startedAt,
    gitCommit: results.environment.gitCommit,
    complete: results.complete,
  };
}

/** How a side is named in sentences: its label, else its file, else its results id. */
export function nameOf(side: Source): string {
  return side.label ?? side.file ?? `results ${side.resultsId}`;
}
