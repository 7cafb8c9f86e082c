import type { ClientResult, Run } from '@kvbench/schemas';

type LatencyOrigin = ClientResult['latencyFrom'];

/**
 * Where a latency starts, in words, beside every latency a report shows: the same p99 means different things. From
 * the scheduled send time (open model) it includes waiting for a free connection, so a server that falls behind
 * shows its queue (no coordinated omission); from the write it is the service time alone.
 */
export const LATENCY_FROM: Record<LatencyOrigin, string> = {
  intended: 'from the scheduled send time',
  write: 'from the write',
  autocannon: "from autocannon's stamp",
  start: "from the request's start, dial included",
};

/** Why each origin matters, once per page (the latency section's lede). */
export const LATENCY_FROM_MEANING: Record<LatencyOrigin, string> = {
  intended: 'counts from when the open-model schedule meant to send the request, so time spent waiting for a free connection is in it',
  write: 'counts from the moment the request was written to its connection: the service time, without any wait before it',
  autocannon: "is autocannon's own, stamped before a connection's first request is even connected",
  start:
    "counts from the request's start, before it took an idle connection or dialled one, as the blog's client timed it: dialling and the wait to be accepted are in it",
};

/** The origins of these runs' latencies, in first-seen order. */
export function latencyOrigins(runs: readonly Run[]): LatencyOrigin[] {
  return [...new Set(runs.flatMap((r) => (r.client && r.client.latency.count > 0 ? [r.client.latencyFrom] : [])))];
}

/** "from the write"; "from the write or from autocannon's stamp" when pooled runs differ; '' when none measured. */
export function latencyFromText(runs: readonly Run[]): string {
  return latencyOrigins(runs)
    .map((o) => LATENCY_FROM[o])
    .join(' or ');
}

/**
 * What the connect figure is, beside it. The fixed model opens its connections apart from the requests, so set-up
 * is in no request's latency; the pool model dials inside a request, so its latency (from the request's start)
 * holds the dial too.
 */
export function connectNote(runs: readonly Run[]): string {
  const all = 'TCP connection set-up, every connect the load generator made, timed on its own: a slow accept loop shows here';
  return latencyOrigins(runs).includes('start')
    ? `${all}; a request that dialled (the pool model) also counts its connect in its latency, as the blog's client did.`
    : `${all}, not in request latency.`;
}
