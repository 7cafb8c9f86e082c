import { METRICS, buildViews, cellOf, fmtRange, type MetricKey, type Spread } from '@kvbench/report';
import type { Results, RunStatus } from '@kvbench/schemas';

/**
 * The figures `kvbench export` writes, picked from the report's own metrics (their values, labels and which way is
 * better are defined there, once). `id` names the figure in other tools: a Bencher measure slug as it is, a CSV
 * column with underscores; the unit is in the name, since neither format carries units of its own.
 */
export interface ExportMetric {
  key: MetricKey;
  id: string;
  /** As github-action-benchmark shows it beside the value. */
  unit: string;
}

export const EXPORT_METRICS: readonly ExportMetric[] = [
  { key: 'rps', id: 'requests-per-second', unit: 'req/s' },
  { key: 'p50Us', id: 'p50-latency-us', unit: 'µs' },
  { key: 'p99Us', id: 'p99-latency-us', unit: 'µs' },
  { key: 'cpuUsPerRequest', id: 'server-cpu-us-per-request', unit: 'µs' },
  // A fraction of exact counts (1 = every request answered), as in the results file.
  { key: 'successRate', id: 'success-rate', unit: 'ratio' },
  { key: 'failed', id: 'failed-requests', unit: 'requests' },
  { key: 'peakRssBytes', id: 'peak-rss-bytes', unit: 'bytes' },
];

export const metricLabel = (metric: ExportMetric): string => METRICS[metric.key].label;
export const smallerIsBetter = (metric: ExportMetric): boolean => METRICS[metric.key].better === 'lower';

/** "746–786 µs": the repeats' spread as the report prints it; null when they agree (or there was one). */
export function rangeText(metric: ExportMetric, s: Spread): string | null {
  const { format } = METRICS[metric.key];
  return s.n > 1 && s.min !== s.max ? fmtRange(format(s.min), format(s.max), '–') : null;
}

/** One (server, step) of a results file: its repeats and each figure's median, min and max over them. */
export interface ExportRow {
  scenario: string;
  resultsId: string;
  server: string;
  variant?: string;
  /** The server as the report labels it: "go", or "go (head)" in a same-run A/B. */
  series: string;
  step: string;
  repeats: number;
  statuses: Partial<Record<RunStatus, number>>;
  figures: Record<MetricKey, Spread | null>;
}

/** In the report's order (servers, then steps), aggregated by the report's own code, so both show the same figures. */
export function exportRows(results: Results): ExportRow[] {
  const rows: ExportRow[] = [];
  for (const view of buildViews([results])) {
    for (const series of view.series) {
      for (const step of view.steps) {
        const cell = cellOf(view, series.key, step.name);
        if (!cell) continue;
        rows.push({
          scenario: view.name,
          resultsId: results.id,
          server: series.server,
          ...(series.variant ? { variant: series.variant } : {}),
          series: series.label,
          step: step.name,
          repeats: cell.runs.length,
          statuses: cell.statuses,
          figures: cell.figures,
        });
      }
    }
  }
  return rows;
}

/** "ci/post-20k/go": unique per row, and the same benchmark in every export of the same scenario. */
export const benchmarkName = (row: ExportRow): string => `${row.scenario}/${row.step}/${row.series}`;

/** "ok:2 server-crashed:1": how the repeats ended, for a reader who filters out the broken ones. */
export const statusText = (row: ExportRow): string =>
  Object.entries(row.statuses)
    .map(([status, count]) => `${status}:${count}`)
    .join(' ');
