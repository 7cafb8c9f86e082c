import { MIB, round } from '../format.js';
import type { MetricKey } from '../metrics.js';
import type { ValueFormat } from './chart.js';

export interface ChartUnit {
  format: ValueFormat;
  axis: string;
  /** From the recorded unit to the drawn one, rounded: the table's data-v holds exactly this number. */
  toChart: (v: number) => number;
}

const count: ChartUnit = { format: 'int', axis: 'count', toChart: (v) => v };
const latencyMs: ChartUnit = { format: 'ms', axis: 'latency (ms)', toChart: (v) => round(v / 1000, 3) };

export const CHART_UNITS: Record<MetricKey, ChartUnit> = {
  sent: count,
  successful: count,
  failed: count,
  successRate: { format: 'pct', axis: 'success rate (%)', toChart: (v) => round(v * 100, 3) },
  rps: { format: 'rps', axis: 'requests per second', toChart: (v) => round(v, 2) },
  goodput: { format: 'rps', axis: 'successful requests per second', toChart: (v) => round(v, 2) },
  durationMs: { format: 'ms', axis: 'duration (ms)', toChart: (v) => round(v, 1) },
  meanUs: latencyMs,
  p50Us: latencyMs,
  p90Us: latencyMs,
  p99Us: latencyMs,
  p999Us: latencyMs,
  maxUs: latencyMs,
  cpuUsPerRequest: { format: 'us', axis: 'server CPU per request (µs)', toChart: (v) => round(v, 2) },
  serverCores: { format: 'cores', axis: 'cores busy', toChart: (v) => round(v, 3) },
  clientCores: { format: 'cores', axis: 'cores busy', toChart: (v) => round(v, 3) },
  peakRssBytes: { format: 'mib', axis: 'peak RSS (MiB)', toChart: (v) => round(v / MIB, 1) },
  peakFds: { format: 'int', axis: 'open file descriptors', toChart: (v) => v },
  peakThreads: { format: 'int', axis: 'threads', toChart: (v) => v },
  coldStartMs: { format: 'ms', axis: 'cold start (ms)', toChart: (v) => round(v, 1) },
  timeouts: count,
  connectionErrors: count,
  clientOpenFileErrors: count,
  incomplete: count,
  serverOpenFileErrors: count,
};
