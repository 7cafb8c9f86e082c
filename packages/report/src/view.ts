import {
  stepModel,
  type Environment,
  type Rate,
  type Results,
  type Run,
  type RunStatus,
  type Scenario,
  type ServerInfo,
  type StepModel,
  type Warning,
} from '@kvbench/schemas';
import { assignColors } from './colors.js';
import { METRICS, type MetricKey } from './metrics.js';
import { spread, type Spread } from './stats.js';

export interface SeriesInfo {
  /** Unique per (server, variant): what charts and tables key on. */
  key: string;
  server: string;
  variant?: string;
  label: string;
  color: string;
  info?: ServerInfo;
}

export interface StepInfo {
  name: string;
  /** closed: the blog's ladder (N requests, a cap on those in flight); open: an offered rate; capacity: a search. */
  model: StepModel;
  requests?: number;
  durationSec?: number;
  /** Open model: the rate as the scenario gives it, in req/s or as a fraction of the slowest capacity. */
  rate?: Rate;
  /** Capacity: the p99 target of the search. */
  p99Ms?: number;
}

/** One (server, step): the repeats and the median/min/max of every metric over them. */
export interface Cell {
  runs: Run[];
  statuses: Partial<Record<RunStatus, number>>;
  figures: Record<MetricKey, Spread | null>;
  /** Unexpected statuses by code, e.g. { "500": spread }. */
  byStatus: Record<string, Spread>;
}

/** Everything the renderers need about one scenario, whatever number of results files it came from. */
export interface ScenarioView {
  name: string;
  description: string;
  scenario: Scenario;
  sources: Results[];
  complete: boolean;
  interruptions: string[];
  series: SeriesInfo[];
  steps: StepInfo[];
  cells: Map<string, Map<string, Cell>>;
  /** Results-level warnings first, then each run's, as recorded. */
  warnings: Warning[];
  environments: Environment[];
}

export function seriesKey(server: string, variant?: string): string {
  return variant ? `${server} (${variant})` : server;
}

export function cellOf(view: ScenarioView, series: string, step: string): Cell | undefined {
  return view.cells.get(series)?.get(step);
}

export function figure(view: ScenarioView, series: string, step: string, metric: MetricKey): Spread | null {
  return cellOf(view, series, step)?.figures[metric] ?? null;
}

/** Groups results by scenario name, in the order first seen; several files of one scenario pool their repeats. */
export function buildViews(results: readonly Results[]): ScenarioView[] {
  const byName = new Map<string, Results[]>();
  for (const r of results) byName.set(r.scenario.name, [...(byName.get(r.scenario.name) ?? []), r]);
  return [...byName.values()].map(buildView);
}

function buildView(sources: Results[]): ScenarioView {
  const first = sources[0]!;
  const seriesOrder: { key: string; server: string; variant?: string; info?: ServerInfo }[] = [];
  const addSeries = (server: string, variant: string | undefined, info?: ServerInfo) => {
    const key = seriesKey(server, variant);
    const existing = seriesOrder.find((s) => s.key === key);
    if (existing) existing.info ??= info;
    else seriesOrder.push({ key, server, ...(variant ? { variant } : {}), ...(info ? { info } : {}) });
  };
  for (const r of sources) for (const s of r.servers) addSeries(s.name, s.variant, s);
  for (const r of sources) for (const run of r.runs) addSeries(run.server, run.variant);

  const steps: StepInfo[] = [];
  const addStep = (step: StepInfo) => {
    if (!steps.some((s) => s.name === step.name)) steps.push(step);
  };
  for (const r of sources) {
    for (const s of r.scenario.steps) {
      addStep({
        name: s.name,
        model: stepModel(s),
        ...(s.requests !== undefined ? { requests: s.requests } : {}),
        ...(s.durationSec !== undefined ? { durationSec: s.durationSec } : {}),
        ...(s.rate !== undefined ? { rate: s.rate } : {}),
        ...(s.capacity ? { p99Ms: s.capacity.p99Ms } : {}),
      });
    }
  }
  // A run whose step the scenario no longer names still says how it was loaded.
  for (const r of sources) {
    for (const run of r.runs) {
      addStep({
        name: run.step,
        model: run.load.model,
        ...(run.load.rate !== undefined && !run.load.schedule ? { rate: run.load.rate } : {}),
        ...(run.capacity ? { p99Ms: run.capacity.targetP99Us / 1000 } : {}),
      });
    }
  }

  const runsBy = new Map<string, Map<string, Run[]>>();
  for (const r of sources) {
    for (const run of r.runs) {
      const key = seriesKey(run.server, run.variant);
      const bySteps = runsBy.get(key) ?? new Map<string, Run[]>();
      bySteps.set(run.step, [...(bySteps.get(run.step) ?? []), run]);
      runsBy.set(key, bySteps);
    }
  }
  const cells = new Map<string, Map<string, Cell>>();
  for (const [key, bySteps] of runsBy) {
    const row = new Map<string, Cell>();
    for (const [step, runs] of bySteps) row.set(step, buildCell(runs.sort((a, b) => a.repeat - b.repeat)));
    cells.set(key, row);
  }

  const colors = assignColors(
    seriesOrder.map((s) => s.key),
    (key) => seriesOrder.find((s) => s.key === key)!.server,
  );
  const environments: Environment[] = [];
  for (const r of sources) {
    if (!environments.some((e) => JSON.stringify(e) === JSON.stringify(r.environment))) environments.push(r.environment);
  }
  return {
    name: first.scenario.name,
    description: first.scenario.description,
    scenario: first.scenario,
    sources,
    complete: sources.every((r) => r.complete),
    interruptions: sources.flatMap((r) => (r.interruption ? [r.interruption] : [])),
    series: seriesOrder.map((s) => ({ ...s, label: s.key, color: colors.get(s.key)! })),
    steps,
    cells,
    warnings: [...sources.flatMap((r) => r.warnings), ...sources.flatMap((r) => r.runs.flatMap((run) => run.warnings))],
    environments,
  };
}

function buildCell(runs: Run[]): Cell {
  const figures = Object.fromEntries((Object.keys(METRICS) as MetricKey[]).map((key) => [key, spread(runs.map((run) => METRICS[key].pick(run)))])) as Record<
    MetricKey,
    Spread | null
  >;
  const codes = new Set(runs.flatMap((run) => Object.keys(run.client?.failures.byStatus ?? {})));
  const byStatus: Record<string, Spread> = {};
  for (const code of [...codes].sort()) {
    const s = spread(runs.map((run) => (run.client ? (run.client.failures.byStatus[code] ?? 0) : null)));
    if (s) byStatus[code] = s;
  }
  const statuses: Partial<Record<RunStatus, number>> = {};
  for (const run of runs) statuses[run.status] = (statuses[run.status] ?? 0) + 1;
  return { runs, statuses, figures, byStatus };
}

/**
 * The blog's ladder: the closed-model steps, N requests with at most so many in flight. Their RPS is the blog's
 * figure; an open step's RPS is only the rate it was offered, and a capacity step's that of its best probe.
 */
export function ladderSteps(view: ScenarioView): StepInfo[] {
  return view.steps.filter((s) => s.model === 'closed');
}

/** Capacity searches: the highest offered rate each server held at a p99 target. */
export function capacitySteps(view: ScenarioView): StepInfo[] {
  return view.steps.filter((s) => s.model === 'capacity');
}

/** Open-model steps at one offered rate (not a schedule): every server asked at the same pace. */
export function equalRateSteps(view: ScenarioView): StepInfo[] {
  return view.steps.filter((s) => s.model === 'open' && s.rate !== undefined);
}

/** Whether any step offered a rate (open model or capacity): only then can requests go unsent. */
export const offersRates = (view: ScenarioView): boolean => view.steps.some((s) => s.model !== 'closed');

/** Every run of the view, in no particular order. */
export const allRuns = (view: ScenarioView): Run[] => [...view.cells.values()].flatMap((row) => [...row.values()].flatMap((c) => c.runs));

/**
 * How to name the headline step in words: "the largest step" only when it asks for more requests than every other
 * ladder step (the blog's 1k → 10k → 100k); steps of one size (a ladder of mixes) make it just "the last step".
 */
export function headlineStepPhrase(view: ScenarioView, step: string): string {
  const ladder = ladderSteps(view);
  if (ladder.length <= 1) return 'the only step';
  const size = ladder.find((s) => s.name === step)?.requests;
  const others = ladder.filter((s) => s.name !== step);
  if (size !== undefined && others.every((s) => s.requests !== undefined && s.requests < size)) return 'the largest step';
  // A partial run: the headline is the last step that has figures, not the ladder's end.
  return ladder.at(-1)!.name === step ? 'the last step' : 'the last step with figures';
}

/** The ladder step a reader looks at first: the largest one (last in the ladder) that has any figures. */
export function headlineStep(view: ScenarioView): string | undefined {
  const ladder = ladderSteps(view);
  for (let i = ladder.length - 1; i >= 0; i--) {
    const step = ladder[i]!.name;
    if (view.series.some((s) => figure(view, s.key, step, 'rps'))) return step;
  }
  return undefined;
}
