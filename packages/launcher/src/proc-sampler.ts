import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import type { ProcReading } from '@kvbench/metrics';

/**
 * One reading of a process from /proc (CPU cumulative over all its threads since it started): the shape the
 * metric arithmetic in @kvbench/metrics consumes, defined there once.
 */
export type ProcSample = ProcReading;

let clockTicks: number | undefined;
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (almost always 100, but asked, not assumed). */
function ticksPerSecond(): number {
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
    const [stat, status, fds] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
      readdir(`/proc/${pid}/fd`),
    ]);
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
