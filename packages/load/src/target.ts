import { dieWithRunner } from '@kvbench/launcher';
import { availableParallelism } from 'node:os';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

/**
 * The server's base URL, checked: kvbench only ever loads a server on this machine, so a typo can never point a
 * million requests at someone else's host.
 */
export function loopbackUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`load target ${JSON.stringify(raw)} is not a URL; expected e.g. http://127.0.0.1:8000`);
  }
  if (url.protocol !== 'http:') throw new Error(`load target ${raw}: only http:// is supported`);
  if (!LOOPBACK.test(url.hostname)) {
    throw new Error(`refusing to send load to ${raw}: kvbench only loads servers on this machine (127.0.0.1, ::1, localhost)`);
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new Error(`load target ${raw}: give the server's base URL only (no path), e.g. http://127.0.0.1:8000`);
  }
  return url;
}

/** How many CPUs a taskset list such as "0-1,3" names; without a list, every CPU this process may use. */
export function cpuCount(cpus: string | undefined): number {
  if (!cpus) return availableParallelism();
  let count = 0;
  for (const part of cpus.split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) {
      throw new Error(`bad CPU list ${JSON.stringify(cpus)}: expected e.g. "0" or "0-1" or "0,2"`);
    }
    count += to === undefined ? 1 : Math.max(0, to - from + 1);
  }
  return Math.max(1, count);
}

/** The CPUs a taskset list names, one by one: "0-1,3" → ["0", "1", "3"]. */
export function eachCpu(cpus: string): string[] {
  cpuCount(cpus); // the same check and message for a bad list
  return cpus.split(',').flatMap((part) => {
    const [from, to = from] = part.split('-').map(Number);
    return Array.from({ length: Math.max(0, to! - from! + 1) }, (_, i) => String(from! + i));
  });
}

/**
 * A load generator's argv: on its CPUs when given (taskset execs the program, so the pid stays the program's), and
 * killed by the kernel if the runner dies (see dieWithRunner).
 */
export function pinned(argv: string[], cpus: string | undefined): string[] {
  return dieWithRunner(cpus ? ['taskset', '--cpu-list', cpus, ...argv] : argv);
}
