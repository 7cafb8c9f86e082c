import { execFileSync } from 'node:child_process';
import type { Environment } from '@kvbench/schemas';

export type Pinning = Environment['pinning'];

/**
 * Where the server and the client run. Given CPU lists (scenario or command line) are used as they are; without
 * them, on a machine with 2 or more cores, the server gets the first half of the cores and the client the rest, so
 * neither takes CPU from the other; `off` (--no-pin) lets the scheduler place both.
 */
export function resolvePinning(given: { server?: string; load?: string }, off: boolean, cores: number): Pinning {
  if (off) return { mode: 'off' };
  if (given.server || given.load) return { ...given, mode: 'manual' };
  if (cores < 2) return { mode: 'off' };
  const serverCores = Math.floor(cores / 2);
  return { server: cpuList(0, serverCores - 1), load: cpuList(serverCores, cores - 1), mode: 'auto' };
}

function cpuList(from: number, to: number): string {
  return from === to ? String(from) : `${from}-${to}`;
}

/**
 * Moves this process (the runner: its /proc sampling, its parsing of progress) onto the client's CPUs for the
 * run, so that it takes nothing from the server's; returns how to put it back. Best effort: without taskset, or
 * where affinity cannot be changed, the runner stays where it is and says nothing is lost but that.
 */
export function pinSelf(cpus: string | undefined): () => void {
  if (!cpus) return () => undefined;
  try {
    const before = /: (\S+)\s*$/.exec(execFileSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' }))?.[1];
    execFileSync('taskset', ['-apc', cpus, String(process.pid)], { stdio: 'ignore' });
    return () => {
      if (before) execFileSync('taskset', ['-apc', before, String(process.pid)], { stdio: 'ignore' });
    };
  } catch {
    return () => undefined;
  }
}
