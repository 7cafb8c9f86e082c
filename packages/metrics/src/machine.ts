import type { Calibration, Machine } from '@kvbench/schemas';

/** What the runner read around one load, for `machineResult`. */
export interface MachineObservations {
  /** Machine-wide CPU over the load window, ms summed over every CPU (from /proc/stat); null if unreadable. */
  stat: { busyMs: number; softirqMs: number; stealMs: number } | null;
  wallMs: number;
  /** The CPU over the same window of each process kvbench itself ran; null where it is unknown. */
  serverCpuMs: number | null;
  clientCpuMs: number | null;
  runnerCpuMs: number | null;
  calibration: readonly Calibration[];
  /** CPU ns per round trip of kvload's fixed loopback ping-pong before the run; null without kvload. */
  loopbackNs: number | null;
}

/**
 * The machine around a run: how busy it was, how much of that no process of ours explains (a neighbour), and how
 * far its speed moved between the calibrations before and after. Null without /proc/stat or a load window.
 */
export function machineResult(obs: MachineObservations): Machine | null {
  if (!obs.stat || obs.wallMs <= 0) return null;
  const cores = (ms: number) => ms / obs.wallMs;
  const ours = (obs.serverCpuMs ?? 0) + (obs.clientCpuMs ?? 0) + (obs.runnerCpuMs ?? 0);
  return {
    busyCores: cores(obs.stat.busyMs),
    // Softirq is set aside too: at high request rates the loopback's softirq runs on CPUs that were otherwise idle,
    // charged to no task (measured: 0.15 cores at 70k req/s against a quiet machine's 0.02), and it is our traffic.
    // The cost: a neighbour busy only in softirq goes unseen. Steal is set aside as well: busy is elapsed − idle, so
    // time the hypervisor gave to other guests counted as a neighbour process here, and a contended host read as
    // machine-busy with nothing else running (0.12–0.21 cores on a quiet VM); it is machine-steal's, measured apart.
    // Ticks against ns can also dip below zero: clamped.
    otherCores: Math.max(0, cores(obs.stat.busyMs - ours - obs.stat.softirqMs - obs.stat.stealMs)),
    softirqCores: cores(obs.stat.softirqMs),
    stealCores: cores(obs.stat.stealMs),
    calibration: [...obs.calibration],
    drift: calibrationDrift(obs.calibration),
    loopbackNs: obs.loopbackNs,
  };
}

/** The largest |after / before − 1| over the CPUs calibrated; null when none was. */
export function calibrationDrift(calibration: readonly Calibration[]): number | null {
  const moves = calibration.filter((c) => c.beforeNs > 0).map((c) => Math.abs(c.afterNs / c.beforeNs - 1));
  return moves.length ? Math.max(...moves) : null;
}
