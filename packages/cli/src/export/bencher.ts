import { EXPORT_METRICS, benchmarkName, type ExportRow } from './figures.js';

/**
 * Bencher Metric Format (https://bencher.dev/docs/reference/bencher-metric-format/): benchmark name → measure slug →
 * { value, lower_value?, upper_value? }, for `bencher run --adapter json`. Measures are named with their unit
 * (e.g. p99-latency-us) rather than Bencher's built-in latency, which is in nanoseconds; Bencher creates a measure
 * named by a slug it has not seen.
 */
export interface BencherMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

export type BencherMetricFormat = Record<string, Record<string, BencherMetric>>;

/** The median is the value, the repeats' min and max its bounds (when there were several). */
export function toBencher(rows: readonly ExportRow[]): string {
  const report: BencherMetricFormat = {};
  for (const row of rows) {
    const measures: Record<string, BencherMetric> = {};
    for (const metric of EXPORT_METRICS) {
      const s = row.figures[metric.key];
      if (!s) continue;
      measures[metric.id] = { value: s.median, ...(s.n > 1 ? { lower_value: s.min, upper_value: s.max } : {}) };
    }
    if (Object.keys(measures).length > 0) report[benchmarkName(row)] = measures;
  }
  return `${JSON.stringify(report, null, 2)}\n`;
}
