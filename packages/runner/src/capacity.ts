import type { Capacity, CapacityProbe, CapacityResult } from '@kvbench/schemas';

/** What one probe measured, as the search needs it. */
export interface ProbeReading {
  p99Us: number | null;
  successRate: number;
  dropped: number;
  sent: number;
  serverCoresBusy: number | null;
  clientCoresBusy: number | null;
  /** The client's own CPU per request sent, µs, when known. */
  clientUsPerRequest: number | null;
}

/** Below this rate a server that still misses the target is called unable to meet it at all. */
const LOWEST_RATE = 50;
/** A ramp stops before it offers more than this share of the client's ceiling: past it, the client sets the pace. */
const CEILING_SHARE = 0.85;

/** Whether a probe kept the target, and if not, why in words. */
export function judgeProbe(reading: ProbeReading, targetP99Us: number): { ok: boolean; reason?: string } {
  if (reading.sent === 0) return { ok: false, reason: 'nothing was sent' };
  if (reading.successRate < 1) return { ok: false, reason: `success ${(reading.successRate * 100).toFixed(2)} %` };
  if (reading.dropped > 0) return { ok: false, reason: `${reading.dropped} requests never sent (every connection busy)` };
  if (reading.p99Us === null) return { ok: false, reason: 'no answers' };
  if (reading.p99Us > targetP99Us) return { ok: false, reason: `p99 ${(reading.p99Us / 1000).toPrecision(3)} ms over the target` };
  return { ok: true };
}

function probeRecord(rate: number, reading: ProbeReading, targetP99Us: number): CapacityProbe {
  const verdict = judgeProbe(reading, targetP99Us);
  return {
    rate: Math.round(rate),
    ok: verdict.ok,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    p99Us: reading.p99Us,
    successRate: reading.successRate,
    dropped: reading.dropped,
    serverCoresBusy: reading.serverCoresBusy,
    clientCoresBusy: reading.clientCoresBusy,
  };
}

/**
 * The client's ceiling: the rate at which its CPUs would be fully busy, from its CPU per request at the highest
 * rate probed so far. A client's cost per request falls as its rate rises (fewer wake-ups per request), so the
 * busiest probe is the truest estimate, and still errs low, which errs towards a flag.
 */
export function clientCeiling(readings: readonly ProbeReading[], clientCores: number): number | null {
  const measured = readings.filter((r) => r.clientUsPerRequest !== null && r.clientUsPerRequest > 0 && r.sent > 0);
  if (measured.length === 0) return null;
  const busiest = measured.reduce((a, b) => (b.sent > a.sent ? b : a));
  return (clientCores * 1e6) / busiest.clientUsPerRequest!;
}

/**
 * Finds the highest offered rate that keeps the target: doubles from `startRate` until a probe misses (or the
 * client's ceiling is near), halves if the first probe already misses, then bisects the bracket until it is
 * narrower than `resolution` or the time budget is spent. `probe` runs one open-model load at a rate.
 */
export async function searchCapacity(
  spec: Capacity,
  clientCores: number,
  probe: (rate: number) => Promise<ProbeReading>,
  signal: AbortSignal,
): Promise<CapacityResult> {
  const targetP99Us = spec.p99Ms * 1000;
  const deadline = performance.now() + spec.budgetSec * 1000;
  const probes: CapacityProbe[] = [];
  const readings: ProbeReading[] = [];
  let good: number | null = null;
  let bad: number | null = null;
  let nearCeiling = false;
  const timeLeft = () => performance.now() + spec.probeSec * 1000 < deadline && !signal.aborted;

  const tryRate = async (rate: number): Promise<boolean> => {
    let reading = await probe(Math.round(rate));
    // A single stall (a GC pause, a flush's fsync) can push one short probe's p99 over the target at any rate:
    // a rate counts as missed only when a second probe at it misses too.
    if (!judgeProbe(reading, targetP99Us).ok && timeLeft()) {
      readings.push(reading);
      probes.push(probeRecord(rate, reading, targetP99Us));
      reading = await probe(Math.round(rate));
    }
    readings.push(reading);
    probes.push(probeRecord(rate, reading, targetP99Us));
    return judgeProbe(reading, targetP99Us).ok;
  };

  let rate = spec.startRate;
  // Ramp: up while it holds (never past the client's ceiling), down while it does not.
  while (timeLeft()) {
    if (await tryRate(rate)) {
      good = rate;
      if (bad !== null) break;
      const ceiling = clientCeiling(readings, clientCores);
      const limit = ceiling === null ? Infinity : CEILING_SHARE * ceiling;
      if (limit <= good * (1 + spec.resolution)) {
        nearCeiling = true;
        break;
      }
      rate = Math.min(rate * 2, limit);
    } else {
      bad = rate;
      if (good !== null) break;
      rate /= 2;
      if (rate < LOWEST_RATE) break;
    }
  }
  // Bisect between the last rate that held and the first that missed.
  while (good !== null && bad !== null && (bad - good) / good > spec.resolution && timeLeft()) {
    const mid = (good + bad) / 2;
    if (await tryRate(mid)) good = mid;
    else bad = mid;
  }
  const ceiling = clientCeiling(readings, clientCores);
  return {
    targetP99Us,
    rate: good === null ? null : Math.round(good),
    missedAt: bad === null ? null : Math.round(bad),
    probes,
    clientCeilingRps: ceiling,
    nearClientCeiling: nearCeiling || (good !== null && ceiling !== null && good > CEILING_SHARE * ceiling),
  };
}
