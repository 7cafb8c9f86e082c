import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import type { ProcReading } from '@kvbench/metrics';

/**
 * One reading of a process from /proc (CPU cumulative over all its threads since it started): the shape the
 * metric arithmetic in @kvbench/metrics consumes, defined there once.
 */
export type ProcSample = ProcReading;

let clockTicks: number | undefined;
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (almost always 100, but asked, not assumed). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Reads /proc/<pid>/{stat,status,fd}; null once the process is gone. */
export async function readProc(pid: number, tMs = performance.now()): Promise<ProcSample | null> {
  try {
    const [stat, status, fds] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8'), readdir(`/proc/${pid}/fd`)]);
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hz = ticksPerSecond();
    const userMs = (Number(fields[11]) / hz) * 1000; // field 14, utime
    const sysMs = (Number(fields[12]) / hz) * 1000; // field 15, stime
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return { tMs, userMs, sysMs, rssBytes: rssKb * 1024, fds: fds.length, threads };
  } catch {
    return null;
  }
}

/**
 * Samples a process every `intervalMs` while a step runs. The samples are kept raw; rates and peaks are derived
 * by whoever needs them (see @kvbench/metrics), so a reader can recompute them from the results file.
 */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    readonly pid: number,
    readonly intervalMs = 200,
  ) {}

  async start(): Promise<ProcSample | null> {
    const first = await this.sampleOnce();
    this.timer = setInterval(() => {
      this.inFlight = this.sampleOnce().then(() => undefined);
    }, this.intervalMs);
    return first;
  }

  async stop(): Promise<ProcSample | null> {
    clearInterval(this.timer);
    await this.inFlight;
    return this.sampleOnce();
  }

  private async sampleOnce(): Promise<ProcSample | null> {
    const sample = await readProc(this.pid);
    if (sample) this.samples.push(sample);
    return sample;
  }
}

/**
 * A process's CPU counters at one instant, read synchronously so the reading sits exactly at a window's edge:
 * `runNs` sums the kernel's nanosecond run time of every live thread (/proc/PID/task/TID/schedstat, field 1); the
 * tick counters (10 ms resolution, but they keep the time of threads that have exited) split it and check it.
 */
export interface CpuCounters {
  runNs: number;
  userMs: number;
  sysMs: number;
}

export function readCpuCounters(pid: number): CpuCounters | null {
  try {
    let runNs = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        runNs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread exited between the listing and the read: the tick counters still hold its time
      }
    }
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hz = ticksPerSecond();
    return { runNs, userMs: (Number(fields[11]) / hz) * 1000, sysMs: (Number(fields[12]) / hz) * 1000 };
  } catch {
    return null;
  }
}

/** Tick counters may trail the exact figure by a tick per thread; more than this means a thread's time was lost. */
const EXITED_THREAD_SLACK_MS = 20;

/**
 * CPU between two readings: the nanosecond figure, unless threads that ran in the window exited before its end
 * (their schedstat is gone, the ticks keep it), in which case the tick figure is the truer one.
 */
export function cpuBetween(start: CpuCounters, end: CpuCounters): { totalMs: number; userTicksMs: number; sysTicksMs: number; exact: boolean } {
  const userTicksMs = end.userMs - start.userMs;
  const sysTicksMs = end.sysMs - start.sysMs;
  const exactMs = (end.runNs - start.runNs) / 1e6;
  const exact = exactMs >= 0 && userTicksMs + sysTicksMs - exactMs <= EXITED_THREAD_SLACK_MS;
  return { totalMs: exact ? exactMs : userTicksMs + sysTicksMs, userTicksMs, sysTicksMs, exact };
}

/** The kernel's high-water mark of the process's resident memory (VmHWM), bytes; null once it is gone. */
export function readRssHighWater(pid: number): number | null {
  return readStatusBytes(pid, 'VmHWM');
}

/** The process's resident memory now (VmRSS), bytes; null once it is gone. */
export function readRss(pid: number): number | null {
  return readStatusBytes(pid, 'VmRSS');
}

function readStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const kb = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** A process's actual RLIMIT_NOFILE (after it may have raised its own soft limit); -1 for unlimited. */
export function readNofile(pid: number | 'self'): { soft: number; hard: number } | null {
  try {
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    const parse = (v: string) => (v === 'unlimited' ? -1 : Number(v));
    return match ? { soft: parse(match[1]!), hard: parse(match[2]!) } : null;
  } catch {
    return null;
  }
}
