import type { ClientResult, ConnectionUse, Failures, Latency } from '@kvbench/schemas';

/** What a load generator counted: the raw material of a ClientResult. */
export interface ClientCounts {
  generator: { name: string; version: string };
  offered: number;
  dropped: number;
  latencyFrom: ClientResult['latencyFrom'];
  sent: number;
  completed: number;
  successful: number;
  failures: Failures;
  durationMs: number;
  cpu: { userMs: number; sysMs: number } | null;
  /** How the connections were used; null or absent when the generator cannot tell. */
  connections?: ConnectionUse | null;
}

export function failedCount(f: Failures): number {
  const byStatus = Object.values(f.byStatus).reduce((a, b) => a + b, 0);
  return byStatus + f.timeouts + f.connectionErrors + f.clientOpenFileErrors + f.incomplete;
}

/**
 * The design's definitions, in one place: success rate = successful / requests; RPS = requests / duration (the
 * blog's figure, failures included); goodput = successful / duration; cores busy = CPU time / wall time.
 */
export function clientResult(
  counts: ClientCounts,
  latency: Latency,
  apart: { serviceLatency: Latency | null; connect: Latency | null } = { serviceLatency: null, connect: null },
): ClientResult {
  const seconds = counts.durationMs / 1000;
  const failed = failedCount(counts.failures);
  const cpuMs = counts.cpu ? counts.cpu.userMs + counts.cpu.sysMs : null;
  return {
    generator: counts.generator,
    offered: counts.offered,
    dropped: counts.dropped,
    sent: counts.sent,
    completed: counts.completed,
    successful: counts.successful,
    failed,
    failures: counts.failures,
    successRate: counts.sent ? counts.successful / counts.sent : 0,
    durationMs: counts.durationMs,
    rps: seconds > 0 ? counts.sent / seconds : 0,
    goodput: seconds > 0 ? counts.successful / seconds : 0,
    latency,
    latencyFrom: counts.latencyFrom,
    serviceLatency: apart.serviceLatency,
    connect: apart.connect,
    connections: counts.connections ?? null,
    cpuUsPerRequest: cpuMs !== null && counts.sent > 0 ? (cpuMs * 1000) / counts.sent : null,
    cpu: counts.cpu ? { ...counts.cpu, coresBusy: coresBusy(counts.cpu, counts.durationMs) } : null,
  };
}

export function coresBusy(cpu: { userMs: number; sysMs: number }, wallMs: number): number {
  return wallMs > 0 ? (cpu.userMs + cpu.sysMs) / wallMs : 0;
}
