import type { TimelinePoint } from '@kvbench/schemas';
import type { ProcReading } from './server.js';

/** A progress report from the load generator, stamped with the runner's clock when it arrived. */
export interface ProgressPoint {
  tMs: number;
  completed: number;
  intervalRps: number;
  intervalP99Us: number | null;
}

interface Rate {
  endMs: number;
  cores: number;
}

/** CPU cores busy between consecutive samples, stamped at the end of each interval. */
function cpuRates(samples: readonly ProcReading[]): Rate[] {
  const rates: Rate[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const wall = b.tMs - a.tMs;
    if (wall <= 0) continue;
    rates.push({ endMs: b.tMs, cores: (b.userMs + b.sysMs - a.userMs - a.sysMs) / wall });
  }
  return rates;
}

/** The last item whose time is at or before t (items sorted by time), or null. */
function lastAtOrBefore<T>(items: readonly T[], t: number, time: (item: T) => number): T | null {
  let found: T | null = null;
  for (const item of items) {
    if (time(item) > t) break;
    found = item;
  }
  return found;
}

/**
 * One point per progress report, joined with the server's and the client's /proc readings taken on the same (the
 * runner's) clock. Times are relative to `startMs`, the load's start.
 */
export function buildTimeline(
  progress: readonly ProgressPoint[],
  server: readonly ProcReading[],
  client: readonly ProcReading[],
  startMs: number,
): TimelinePoint[] {
  const serverRates = cpuRates(server);
  const clientRates = cpuRates(client);
  return progress.map((p) => {
    const s = lastAtOrBefore(server, p.tMs, (r) => r.tMs);
    return {
      tMs: Math.max(0, p.tMs - startMs),
      completed: p.completed,
      rps: p.intervalRps,
      p99Us: p.intervalP99Us,
      serverCpuCores: lastAtOrBefore(serverRates, p.tMs, (r) => r.endMs)?.cores ?? null,
      serverRssBytes: s?.rssBytes ?? null,
      serverFds: s?.fds ?? null,
      clientCpuCores: lastAtOrBefore(clientRates, p.tMs, (r) => r.endMs)?.cores ?? null,
    };
  });
}
