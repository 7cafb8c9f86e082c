import { describe, expect, it } from 'vitest';
import { machineBetween, readMachineStat, type MachineStat } from '../src/index.js';

describe('machine-wide CPU from /proc/stat', () => {
  it('reads every online CPU of this machine', () => {
    const stat = readMachineStat();
    expect(stat.cpus.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    for (const cpu of stat.cpus.filter(Boolean)) expect(cpu.idleMs).toBeGreaterThan(0);
  });

  it('counts busy as elapsed minus idle on each CPU, and softirq and steal apart', () => {
    const at = (tMs: number, idle: number[], softirq = [0, 0]): MachineStat => ({
      tMs,
      cpus: idle.map((idleMs, i) => ({ idleMs, softirqMs: softirq[i]!, stealMs: 0 })),
    });
    // Over 1 s: CPU 0 idle 250 ms (busy 750), CPU 1 idle 900 ms (busy 100).
    const between = machineBetween(at(0, [10_000, 20_000]), at(1000, [10_250, 20_900], [40, 20]));
    expect(between).toEqual({ busyMs: 850, softirqMs: 60, stealMs: 0 });
  });

  it('skips a CPU that was not online at both readings', () => {
    const before: MachineStat = { tMs: 0, cpus: [{ idleMs: 0, softirqMs: 0, stealMs: 0 }] };
    const after: MachineStat = {
      tMs: 100,
      cpus: [
        { idleMs: 50, softirqMs: 0, stealMs: 0 },
        { idleMs: 0, softirqMs: 0, stealMs: 0 },
      ],
    };
    expect(machineBetween(before, after).busyMs).toBe(50);
  });
});
