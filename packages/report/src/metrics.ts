import type { Run } from '@kvbench/schemas';
import { fmtBytes, fmtCores, fmtDuration, fmtInt, fmtLatency, fmtOffered, fmtPct, fmtRps, fmtUs } from './format.js';

export interface MetricDef {
  label: string;
  /** Unit as printed in table headers. */
  unit: string;
  better: 'higher' | 'lower' | null;
  pick: (run: Run) => number | null | undefined;
  format: (value: number) => string;
}

/** Every per-run figure a report shows, defined once: tables, charts, Markdown and terminal read the same picks. */
export const METRICS = {
  sent: { label: 'Requests', unit: '', better: null, pick: (r) => r.client?.sent, format: fmtInt },
  successful: { label: 'Successful', unit: '', better: 'higher', pick: (r) => r.client?.successful, format: fmtInt },
  failed: { label: 'Failed', unit: '', better: 'lower', pick: (r) => r.client?.failed, format: fmtInt },
  successRate: { label: 'Success rate', unit: '%', better: 'higher', pick: (r) => r.client?.successRate, format: fmtPct },
  rps: { label: 'RPS', unit: 'req/s', better: 'higher', pick: (r) => r.client?.rps, format: fmtRps },
  goodput: { label: 'Goodput', unit: 'req/s', better: 'higher', pick: (r) => r.client?.goodput, format: fmtRps },
  durationMs: { label: 'Duration', unit: '', better: 'lower', pick: (r) => r.client?.durationMs, format: fmtDuration },
  // No unit in the header: each latency carries its own (µs, ms or s), whichever keeps it to significant digits.
  meanUs: { label: 'Mean', unit: '', better: 'lower', pick: (r) => latency(r)?.meanUs, format: fmtLatency },
  p50Us: { label: 'p50', unit: '', better: 'lower', pick: (r) => latency(r)?.p50Us, format: fmtLatency },
  p90Us: { label: 'p90', unit: '', better: 'lower', pick: (r) => latency(r)?.p90Us, format: fmtLatency },
  p99Us: { label: 'p99', unit: '', better: 'lower', pick: (r) => latency(r)?.p99Us, format: fmtLatency },
  p999Us: { label: 'p99.9', unit: '', better: 'lower', pick: (r) => latency(r)?.p999Us, format: fmtLatency },
  maxUs: { label: 'max', unit: '', better: 'lower', pick: (r) => latency(r)?.maxUs, format: fmtLatency },
  cpuUsPerRequest: {
    label: 'Server CPU per request',
    unit: 'µs',
    better: 'lower',
    pick: (r) => r.serverProcess?.cpu?.usPerRequest,
    format: fmtUs,
  },
  serverCores: { label: 'Server cores busy', unit: 'cores', better: null, pick: (r) => r.serverProcess?.cpu?.coresBusy, format: fmtCores },
  clientCores: { label: 'Load generator cores busy', unit: 'cores', better: null, pick: (r) => r.client?.cpu?.coresBusy, format: fmtCores },
  // The machine around the run: what no process of ours explains, the kernel's network work, the speed's move, its pace.
  otherCores: { label: 'Other processes', unit: 'cores', better: 'lower', pick: (r) => r.machine?.otherCores, format: fmtCores },
  softirqCores: { label: 'Softirq', unit: 'cores', better: null, pick: (r) => r.machine?.softirqCores, format: fmtCores },
  machineDrift: { label: 'Machine speed drift', unit: '%', better: 'lower', pick: (r) => r.machine?.drift, format: fmtPct },
  machinePace: {
    label: 'Machine pace',
    unit: 'µs',
    better: null,
    pick: (r) => (typeof r.machine?.loopbackNs === 'number' ? r.machine.loopbackNs / 1000 : null),
    format: fmtUs,
  },
  clientUsPerRequest: {
    label: 'Load generator CPU per request',
    unit: 'µs',
    better: null,
    pick: (r) => r.client?.cpuUsPerRequest,
    format: fmtUs,
  },
  // The open model's own figures: what was offered, and what of it never went out.
  offeredRate: { label: 'Offered rate', unit: 'req/s', better: null, pick: (r) => r.load.rate, format: fmtOffered },
  dropped: { label: 'Never sent', unit: '', better: 'lower', pick: (r) => r.client?.dropped, format: fmtInt },
  // Write to answer: the raw service time, beside a latency counted from the scheduled send time.
  serviceP99Us: { label: 'Service p99', unit: '', better: 'lower', pick: (r) => serviceLatency(r)?.p99Us, format: fmtLatency },
  connectP50Us: { label: 'Connect p50', unit: '', better: 'lower', pick: (r) => connectLatency(r)?.p50Us, format: fmtLatency },
  connectP99Us: { label: 'Connect p99', unit: '', better: 'lower', pick: (r) => connectLatency(r)?.p99Us, format: fmtLatency },
  // Capacity searches. A server that held the target at no rate has no capacity figure: see noCapacity in lead.ts.
  capacityRps: { label: 'Capacity', unit: 'req/s', better: 'higher', pick: (r) => r.capacity?.rate, format: fmtRps },
  capacityMissedAt: { label: 'Missed at', unit: 'req/s', better: null, pick: (r) => r.capacity?.missedAt, format: fmtRps },
  clientCeilingRps: { label: "Client's ceiling", unit: 'req/s', better: null, pick: (r) => r.capacity?.clientCeilingRps, format: fmtRps },
  peakRssBytes: { label: 'Peak RSS', unit: '', better: 'lower', pick: (r) => r.serverProcess?.peakRssBytes, format: fmtBytes },
  peakFds: { label: 'Peak open fds', unit: '', better: null, pick: (r) => r.serverProcess?.peakFds, format: fmtInt },
  peakThreads: { label: 'Peak threads', unit: '', better: null, pick: (r) => r.serverProcess?.peakThreads, format: fmtInt },
  coldStartMs: { label: 'Cold start', unit: '', better: 'lower', pick: (r) => r.coldStartMs, format: fmtDuration },
  timeouts: { label: 'Timeouts', unit: '', better: 'lower', pick: (r) => r.client?.failures.timeouts, format: fmtInt },
  connectionErrors: {
    label: 'Connection errors',
    unit: '',
    better: 'lower',
    pick: (r) => r.client?.failures.connectionErrors,
    format: fmtInt,
  },
  clientOpenFileErrors: {
    label: 'Client open-file errors',
    unit: '',
    better: 'lower',
    pick: (r) => r.client?.failures.clientOpenFileErrors,
    format: fmtInt,
  },
  incomplete: { label: 'Incomplete', unit: '', better: 'lower', pick: (r) => r.client?.failures.incomplete, format: fmtInt },
  // How the client used its connections (the pool model's accounting; null for generators that cannot tell).
  dials: { label: 'Dials', unit: '', better: null, pick: (r) => r.client?.connections?.dials, format: fmtInt },
  reuses: { label: 'Reuses', unit: '', better: null, pick: (r) => r.client?.connections?.reuses, format: fmtInt },
  peakIdle: { label: 'Peak idle', unit: '', better: null, pick: (r) => r.client?.connections?.peakIdle, format: fmtInt },
  idleAtEnd: { label: 'Idle at end', unit: '', better: null, pick: (r) => r.client?.connections?.idleAtEnd, format: fmtInt },
  dialErrors: { label: 'Dial errors', unit: '', better: 'lower', pick: (r) => r.client?.connections?.dialErrors, format: fmtInt },
  dialTimeouts: { label: 'Timed out dialling', unit: '', better: 'lower', pick: (r) => r.client?.connections?.dialTimeouts, format: fmtInt },
  waitingTimeouts: {
    label: 'Timed out waiting',
    unit: '',
    better: 'lower',
    pick: (r) => r.client?.connections?.waitingTimeouts,
    format: fmtInt,
  },
  answeringTimeouts: {
    label: 'Timed out answering',
    unit: '',
    better: 'lower',
    pick: (r) => r.client?.connections?.answeringTimeouts,
    format: fmtInt,
  },
  serverOpenFileErrors: {
    label: 'Server open-file errors',
    unit: 'stderr lines',
    better: 'lower',
    pick: (r) => r.serverProcess?.openFileErrors,
    format: fmtInt,
  },
} satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

/** A latency summary only means something when the run measured at least one answer. */
function latency(run: Run) {
  return run.client && run.client.latency.count > 0 ? run.client.latency : undefined;
}

function serviceLatency(run: Run) {
  const l = run.client?.serviceLatency;
  return l && l.count > 0 ? l : undefined;
}

function connectLatency(run: Run) {
  const l = run.client?.connect;
  return l && l.count > 0 ? l : undefined;
}
