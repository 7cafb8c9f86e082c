import { readFileSync } from 'node:fs';
import { ticksPerSecond } from './proc-sampler.js';

/** One CPU's cumulative time from /proc/stat, ms (the kernel counts in USER_HZ ticks). */
export interface CpuTimes {
  idleMs: number;
  softirqMs: number;
  stealMs: number;
}

/** /proc/stat at one instant: each online CPU by number (an offline CPU leaves a hole). */
export interface MachineStat {
  tMs: number;
  cpus: CpuTimes[];
}

/** Every online CPU's line of /proc/stat, read synchronously so the reading sits at a window's edge. */
export function readMachineStat(): MachineStat {
  const tMs = performance.now();
  const msPerTick = 1000 / ticksPerSecond();
  const cpus: CpuTimes[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already inside user.
    const [, , , idle, iowait, , softirq, steal] = match[2]!.trim().split(/\s+/).map(Number);
    cpus[Number(match[1])] = {
      idleMs: (idle! + (iowait ?? 0)) * msPerTick,
      softirqMs: (softirq ?? 0) * msPerTick,
      stealMs: (steal ?? 0) * msPerTick,
    };
  }
  return { tMs, cpus };
}

/**
 * Machine-wide CPU between two readings, ms summed over every CPU (one that went offline in between is skipped).
 * Busy is elapsed − idle, not the sum of the user/system columns: those are sampled at each tick and miss the short
 * bursts a server answering requests runs in (measured here: a server's nanosecond CPU alone exceeded their sum),
 * while a tickless kernel measures idle time exactly and only rounds it to ticks.
 */
export function machineBetween(start: MachineStat, end: MachineStat): { busyMs: number; softirqMs: number; stealMs: number } {
  const elapsedMs = end.tMs - start.tMs;
  const total = { busyMs: 0, softirqMs: 0, stealMs: 0 };
  end.cpus.forEach((after, cpu) => {
    const before = start.cpus[cpu];
    if (!before || !after) return;
    total.busyMs += Math.max(0, elapsedMs - (after.idleMs - before.idleMs));
    total.softirqMs += after.softirqMs - before.softirqMs;
    total.stealMs += after.stealMs - before.stealMs;
  });
  return total;
}
