import type { ServerResult } from '@kvbench/schemas';

/** A /proc reading, as the launcher's ProcSampler takes it (cumulative CPU over all threads). */
export interface ProcReading {
  tMs: number;
  userMs: number;
  sysMs: number;
  rssBytes: number;
  fds: number;
  threads: number;
}

/**
 * The server's CPU over exactly the load window: `totalMs` from the kernel's nanosecond run-time counters (every
 * thread's schedstat), split into user and system by the tick counters' ratio (schedstat has no split).
 */
export interface WindowCpu {
  totalMs: number;
  userTicksMs: number;
  sysTicksMs: number;
}

export interface ServerObservations {
  /** Read at the load's first send and after its last answer; when absent, CPU comes from the samples' ticks. */
  windowCpu?: WindowCpu | null;
  /** The kernel's high-water mark of resident memory (VmHWM), which no sampling interval can miss. */
  rssHighWaterBytes?: number | null;
  nofile?: { soft: number; hard: number } | null;
  cpuExact?: boolean | null;
  /** Samples from just before the load's first send to just after its last answer. */
  samples: readonly ProcReading[];
  /** Requests the load sent: the denominator of CPU per request. */
  requests: number;
  /** The load's duration; cores busy is CPU over this, not over the sampling span (which includes client start-up). */
  wallMs?: number;
  openFileErrors: number;
  stderrTail: string[];
  exit: ServerResult['exit'];
}

/**
 * Server CPU during the load (last sample − first), µs per request, mean cores busy, and peaks. With fewer than two
 * samples (a server that died at once, or an external server without a pid) the CPU figures are unknown, not zero.
 */
export function serverResult(obs: ServerObservations): ServerResult {
  const first = obs.samples[0];
  const last = obs.samples.at(-1);
  let cpu: ServerResult['cpu'] = null;
  const window = obs.windowCpu;
  if (window || (first && last && last !== first)) {
    let userMs: number;
    let sysMs: number;
    if (window) {
      const ticks = window.userTicksMs + window.sysTicksMs;
      const userShare = ticks > 0 ? window.userTicksMs / ticks : 1;
      userMs = window.totalMs * userShare;
      sysMs = window.totalMs - userMs;
    } else {
      userMs = last!.userMs - first!.userMs;
      sysMs = last!.sysMs - first!.sysMs;
    }
    const wallMs = obs.wallMs ?? last!.tMs - first!.tMs;
    cpu = {
      userMs,
      sysMs,
      coresBusy: wallMs > 0 ? (userMs + sysMs) / wallMs : 0,
      usPerRequest: obs.requests > 0 ? ((userMs + sysMs) * 1000) / obs.requests : 0,
    };
  }
  const peak = (pick: (s: ProcReading) => number) => (obs.samples.length ? Math.max(...obs.samples.map(pick)) : null);
  return {
    cpu,
    peakRssBytes: Math.max(obs.rssHighWaterBytes ?? 0, peak((s) => s.rssBytes) ?? 0) || null,
    peakFds: peak((s) => s.fds),
    peakThreads: peak((s) => s.threads),
    nofile: obs.nofile ?? null,
    cpuExact: obs.cpuExact ?? null,
    openFileErrors: obs.openFileErrors,
    stderrTail: obs.stderrTail,
    exit: obs.exit,
  };
}
