import type { Run, Thresholds } from '@kvbench/schemas';
import type { MetricKey } from './schema.js';

/** us: microseconds; rps: requests per second; bytes; requests: a count of requests. */
export type MetricUnit = 'us' | 'rps' | 'bytes' | 'requests';

/** One compared metric: where its value is in a run, its unit, and which way is better. */
export interface MetricSpec {
  /** Also the key of its threshold in `scenario.thresholds`. */
  key: MetricKey & keyof Thresholds;
  label: string;
  unit: MetricUnit;
  better: 'higher' | 'lower';
  value: (run: Run) => number | null;
  /**
   * Which runs count. Performance figures only from runs that finished (`ok`): a crashed run's RPS is not the
   * server's speed. Failures from every run with a client result: a server that now crashes under load shows up
   * as failed requests, which is exactly what a regression check must see.
   */
  fromRun: (run: Run) => boolean;
  /**
   * A gate metric's regression fails the comparison (exit 1). The others are judged and shown the same way, but a
   * short run's tail or a client-paced RPS does not fail a build on its own.
   */
  gate: boolean;
  /** Why this figure gets no verdict from these runs (it is still shown), or null when it is judged. */
  notJudged?: (runs: readonly Run[]) => string | null;
}

/**
 * A p99 is decided by its slowest 1 % of requests. When that is a handful (a short step), whether one GC pause or
 * scheduler hiccup lands among them is a coin toss per run, so p99 across repeats is often two-valued: 35 ms in some
 * repeats and 45–62 ms in others of one unchanged server (the real-measurements test prints them). No test on a few
 * repeats can tell that toss from a real shift — 5 a side still flagged a quarter of identical comparisons — so a
 * short step's p99 is shown but never judged; a tail of 100+ requests (steps of 10 000+) is smooth enough.
 */
export const TAIL_REQUESTS_TO_JUDGE = 100;

function p99NotJudged(runs: readonly Run[]): string | null {
  const counts = runs.map((run) => run.client?.latency.count ?? 0);
  const tail = Math.floor(Math.min(...counts) / 100);
  if (tail >= TAIL_REQUESTS_TO_JUDGE) return null;
  return (
    `a p99 resting on the slowest ${tail} requests of a run flips with a single pause; it is judged from steps of ` +
    `${TAIL_REQUESTS_TO_JUDGE * 100}+ requests`
  );
}

const finished = (run: Run) => run.status === 'ok';

/**
 * In the order of the comparison: CPU per request leads and gates (RPS on a 2-core box often measures the client);
 * failed requests gate too (a server that now fails is broken, whatever its speed).
 */
export const METRICS: readonly MetricSpec[] = [
  {
    key: 'cpuPerRequest',
    label: 'server CPU per request',
    unit: 'us',
    better: 'lower',
    value: (run) => run.serverProcess?.cpu?.usPerRequest ?? null,
    gate: true,
    fromRun: finished,
  },
  {
    key: 'rps',
    label: 'requests per second',
    unit: 'rps',
    better: 'higher',
    value: (run) => run.client?.rps ?? null,
    gate: false,
    fromRun: finished,
  },
  {
    key: 'p50',
    label: 'p50 latency',
    unit: 'us',
    better: 'lower',
    value: (run) => run.client?.latency.p50Us ?? null,
    gate: false,
    fromRun: finished,
  },
  {
    key: 'p99',
    label: 'p99 latency',
    unit: 'us',
    better: 'lower',
    value: (run) => run.client?.latency.p99Us ?? null,
    gate: false,
    fromRun: finished,
    notJudged: p99NotJudged,
  },
  {
    key: 'peakRss',
    label: 'peak RSS',
    unit: 'bytes',
    better: 'lower',
    value: (run) => run.serverProcess?.peakRssBytes ?? null,
    gate: false,
    fromRun: finished,
  },
  {
    key: 'failures',
    label: 'failed requests',
    unit: 'requests',
    better: 'lower',
    value: (run) => run.client?.failed ?? null,
    gate: true,
    fromRun: (run) => run.client !== null,
  },
];

export function metricSpec(key: MetricKey): MetricSpec {
  return METRICS.find((metric) => metric.key === key)!;
}

/** The metric's values over a group of repeats, in repeat order; runs without the figure are skipped. */
export function valuesOf(metric: MetricSpec, runs: readonly Run[]): number[] {
  return [...runs]
    .sort((a, b) => a.repeat - b.repeat)
    .filter(metric.fromRun)
    .map(metric.value)
    .filter((v): v is number => v !== null && Number.isFinite(v));
}

/**
 * The metric's values of the repeats both sides measured, as pairs in repeat order: in a same-run A/B, repeat i of
 * base and of head ran back to back. A repeat one side has no figure for (it crashed) drops out on both sides.
 */
export function pairedValuesOf(metric: MetricSpec, base: readonly Run[], head: readonly Run[]): { baseline: number[]; current: number[] } {
  const byRepeat = (runs: readonly Run[]) => new Map(valuesWithRepeat(metric, runs));
  const b = byRepeat(base);
  const h = byRepeat(head);
  const repeats = [...b.keys()].filter((r) => h.has(r)).sort((x, y) => x - y);
  return { baseline: repeats.map((r) => b.get(r)!), current: repeats.map((r) => h.get(r)!) };
}

function valuesWithRepeat(metric: MetricSpec, runs: readonly Run[]): Array<[number, number]> {
  return runs
    .filter(metric.fromRun)
    .map((run) => [run.repeat, metric.value(run)] as const)
    .filter((e): e is readonly [number, number] => e[1] !== null && Number.isFinite(e[1]))
    .map(([r, v]) => [r, v]);
}
