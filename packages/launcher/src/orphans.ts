import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * argv run under `setpriv --pdeathsig KILL` (util-linux): the kernel kills the program when the process that
 * started it dies, even by SIGKILL, when no cleanup code of ours can run. setpriv execs the program, so the pid
 * the runner samples is still the program's own. Servers and load generators are started this way.
 */
export function dieWithRunner(argv: readonly string[]): string[] {
  return ['setpriv', '--pdeathsig', 'KILL', '--', ...argv];
}

const SCRATCH = /^kvbench-run-(\d+)-/;

/**
 * A scratch directory of this runner process (a server's data directory): named with its pid, so that a later run
 * can tell it from a live run's and remove it if this runner died without cleaning up.
 */
export function scratchPrefix(label: string): string {
  return path.join(os.tmpdir(), `kvbench-run-${process.pid}-${label}-`);
}

/** Removes the scratch directories of runners that are gone; returns how many. Another live run's stay. */
export async function removeLeftoverScratch(dir = os.tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(SCRATCH.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
