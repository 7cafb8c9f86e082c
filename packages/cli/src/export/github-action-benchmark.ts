import type { Spread } from '@kvbench/report';
import { EXPORT_METRICS, benchmarkName, metricLabel, rangeText, smallerIsBetter, statusText, type ExportRow } from './figures.js';

/**
 * One entry of github-action-benchmark's custom tools (README, "customBiggerIsBetter and customSmallerIsBetter";
 * the action parses it in src/extract.ts): `range` and `extra` are free text it shows beside the value.
 */
export interface ActionBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/**
 * The action takes one direction per file and step (`tool: customSmallerIsBetter` or `customBiggerIsBetter`), so
 * the figures are split by the report's own "better": smaller gives latency, CPU per request, failed requests and
 * peak RSS (the gate metric is among them); bigger gives RPS and success rate.
 */
export function toActionBenchmark(rows: readonly ExportRow[], better: 'smaller' | 'bigger'): string {
  const metrics = EXPORT_METRICS.filter((m) => smallerIsBetter(m) === (better === 'smaller'));
  const entries: ActionBenchmarkEntry[] = [];
  for (const row of rows) {
    for (const metric of metrics) {
      const s = row.figures[metric.key];
      if (!s) continue;
      const range = rangeText(metric, s);
      entries.push({
        name: `${benchmarkName(row)}: ${metricLabel(metric)}`,
        unit: metric.unit,
        value: s.median,
        ...(range ? { range } : {}),
        extra: extraText(row, s),
      });
    }
  }
  return `${JSON.stringify(entries, null, 2)}\n`;
}

function extraText(row: ExportRow, s: Spread): string {
  const of = s.n > 1 ? `median of ${s.n} repeats (range: min–max)` : 'one repeat';
  return `${of}; runs ${statusText(row)}; results ${row.resultsId}`;
}
