import { MIB, round, roundSig } from '../format.js';
import type { MetricKey } from '../metrics.js';
import type { ValueFormat } from './chart.js';

export interface ChartUnit {
  format: ValueFormat;
  axis: string;
  /**
   * From the recorded unit to the drawn one, rounded: the table's data-v holds exactly this number. Measured figures
   * keep SIG_DIGITS significant digits, as printed; counts stay exact.
   */
  toChart: (v: number) => number;
}

const count: ChartUnit = { format: 'int', axis: 'count', toChart: (v) => v };
const latencyMs: ChartUnit = { format: 'ms', axis: 'latency (ms)', toChart: (v) => roundSig(v / 1000) };

export const CHART_UNITS: Record<MetricKey, ChartUnit> = {
  sent: count,
  successful: count,
  failed: count,
  // A ratio of exact counts, drawn to the 0.001 % so a few failures in a million stay visible.
  successRate: { format: 'pct', axis: 'success rate (%)', toChart: (v) => round(v * 100, 3) },
  rps: { format: 'rps', axis: 'requests per second', toChart: (v) => roundSig(v) },
  goodput: { format: 'rps', axis: 'successful requests per second', toChart: (v) => roundSig(v) },
  durationMs: { format: 'ms', axis: 'duration (ms)', toChart: (v) => roundSig(v) },
  meanUs: latencyMs,
  p50Us: latencyMs,
  p90Us: latencyMs,
  p99Us: latencyMs,
  p999Us: latencyMs,
  maxUs: latencyMs,
  cpuUsPerRequest: { format: 'us', axis: 'server CPU per request (µs)', toChart: (v) => roundSig(v) },
  serverCores: { format: 'cores', axis: 'cores busy', toChart: (v) => roundSig(v) },
  clientCores: { format: 'cores', axis: 'cores busy', toChart: (v) => roundSig(v) },
  otherCores: { format: 'cores', axis: 'cores busy', toChart: (v) => roundSig(v) },
  softirqCores: { format: 'cores', axis: 'cores busy', toChart: (v) => roundSig(v) },
  machineDrift: { format: 'pct', axis: 'speed drift (%)', toChart: (v) => round(v * 100, 1) },
  machinePace: { format: 'us', axis: 'CPU per loopback round trip (µs)', toChart: (v) => roundSig(v) },
  clientUsPerRequest: { format: 'us', axis: 'load generator CPU per request (µs)', toChart: (v) => roundSig(v) },
  offeredRate: { format: 'rps', axis: 'offered requests per second', toChart: (v) => v },
  dropped: count,
  serviceP99Us: latencyMs,
  connectP50Us: latencyMs,
  connectP99Us: latencyMs,
  capacityRps: { format: 'rps', axis: 'capacity (req/s)', toChart: (v) => roundSig(v) },
  capacityMissedAt: { format: 'rps', axis: 'missed at (req/s)', toChart: (v) => roundSig(v) },
  clientCeilingRps: { format: 'rps', axis: "client's ceiling (req/s)", toChart: (v) => roundSig(v) },
  peakRssBytes: { format: 'mib', axis: 'peak RSS (MiB)', toChart: (v) => roundSig(v / MIB) },
  peakFds: { format: 'int', axis: 'open file descriptors', toChart: (v) => v },
  peakThreads: { format: 'int', axis: 'threads', toChart: (v) => v },
  coldStartMs: { format: 'ms', axis: 'cold start (ms)', toChart: (v) => roundSig(v) },
  timeouts: count,
  connectionErrors: count,
  clientOpenFileErrors: count,
  incomplete: count,
  serverOpenFileErrors: count,
  dials: count,
  reuses: count,
  peakIdle: count,
  idleAtEnd: count,
  dialErrors: count,
  dialTimeouts: count,
  waitingTimeouts: count,
  answeringTimeouts: count,
};
