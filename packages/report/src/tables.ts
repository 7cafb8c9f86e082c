import { BLOG_LABEL, blogPublished, fmtBlogRps } from './blog-published.js';
import { fmtFixed, fmtRange } from './format.js';
import { METRICS, type MetricKey } from './metrics.js';
import type { Spread } from './stats.js';
import { cellOf, figure, type ScenarioView } from './view.js';

/**
 * Plain tables (header + rows of text) shared by the Markdown and terminal renderers, so both print the same figures
 * the HTML report shows, formatted the same way.
 */
export interface TextTable {
  title: string;
  head: string[];
  /** Which columns hold numbers (right-aligned). */
  numeric: boolean[];
  rows: string[][];
}

/** "19,500 (18,900–20,100)": the median, and the spread when repeats differ at the precision printed. */
export function spreadText(s: Spread | null, format: (v: number) => string, withRange = true): string {
  if (!s) return '—';
  if (!withRange || s.n < 2 || format(s.min) === format(s.max)) return format(s.median);
  return `${format(s.median)} (${fmtRange(format(s.min), format(s.max), '–')})`;
}

export function ladderTable(view: ScenarioView, metric: MetricKey, title: string, blog?: 'rps' | 'successRate'): TextTable {
  const steps = view.steps.map((s) => s.name);
  const def = METRICS[metric];
  const rows = view.series.map((s) => [s.label, ...steps.map((step) => spreadText(figure(view, s.key, step, metric), def.format))]);
  if (blog) {
    for (const server of blogPublished().servers) {
      const values = view.steps.map((step) => {
        const match = server.steps.find((b) => b.requests === step.requests);
        if (!match) return '—';
        return blog === 'rps' ? fmtBlogRps(match.rps) : `${fmtFixed(match.successRatePercent, 2)} %`;
      });
      if (values.some((v) => v !== '—')) rows.push([`${server.label} (${BLOG_LABEL})`, ...values]);
    }
  }
  return { title, head: ['server', ...steps], numeric: [false, ...steps.map(() => true)], rows };
}

export function headlineTable(view: ScenarioView, step: string): TextTable {
  const cols: Array<[MetricKey, string]> = [
    ['successRate', 'success'],
    ['rps', 'RPS'],
    ['p50Us', 'p50'],
    ['p99Us', 'p99'],
    ['cpuUsPerRequest', 'CPU µs/req'],
    ['peakRssBytes', 'peak RSS'],
    ['serverOpenFileErrors', 'open-file errors'],
  ];
  return {
    title: `Headline figures at ${step}`,
    head: ['server', ...cols.map(([, label]) => label)],
    numeric: [false, ...cols.map(() => true)],
    rows: view.series.map((s) => [s.label, ...cols.map(([m]) => spreadText(figure(view, s.key, step, m), METRICS[m].format, false))]),
  };
}

/** A column: a metric (median and spread), or text computed from the cell. */
export type GridColumn = [MetricKey, string] | [(key: string, step: string) => string, string, 'text'];

/** One row per (server, step): the grid the Markdown report uses for latency, failures and resources. */
export function gridTable(
  view: ScenarioView,
  title: string,
  cols: GridColumn[],
  only?: (key: string, step: string) => boolean,
): TextTable {
  const rows: string[][] = [];
  for (const s of view.series) {
    for (const step of view.steps) {
      if (!cellOf(view, s.key, step.name)) continue;
      if (only && !only(s.key, step.name)) continue;
      rows.push([
        s.label,
        step.name,
        ...cols.map((col) =>
          typeof col[0] === 'function'
            ? col[0](s.key, step.name)
            : spreadText(figure(view, s.key, step.name, col[0]), METRICS[col[0]].format),
        ),
      ]);
    }
  }
  return {
    title,
    head: ['server', 'step', ...cols.map((col) => col[1])],
    numeric: [false, false, ...cols.map((col) => col.length === 2)],
    rows,
  };
}
