import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ProcSampler, describeExit, type StopOutcome } from '@kvbench/launcher';
import type { LoadGenerator, LoadOutcome, LoadProgress } from '@kvbench/load';
import {
  buildTimeline,
  checkRun,
  clientResult,
  serverResult,
  summarizeLatency,
  type ProcReading,
  type ProgressPoint,
} from '@kvbench/metrics';
import type { FdLimit, Run, Scenario, Warning } from '@kvbench/schemas';
import type { PlanItem } from './plan.js';
import type { LiveTarget, Target } from './targets.js';

export interface RunContext {
  scenario: Scenario;
  generator: LoadGenerator;
  fdLimit?: FdLimit;
  pinning: { server?: string; load?: string };
  machineCores: number;
  /** Ctrl-C: the load stops, the server is stopped, the run is recorded as interrupted. */
  signal: AbortSignal;
  onProgress?: (item: PlanItem, progress: LoadProgress) => void;
  /** How long a server may take to exit after SIGTERM before it counts as hung (default 10 s). */
  stopGraceMs?: number;
}

/** Sampling period of /proc for server and client: several a second, cheap enough not to disturb a 2-core box. */
const SAMPLE_MS = 200;
/** SIGTERM grace: the kv-spec's final flush of a small store takes milliseconds; 10 s means hung. */
const DEFAULT_STOP_GRACE_MS = 10_000;

/**
 * One (server, step, repeat): a fresh server on a fresh data directory, warm-up, measured load, clean stop.
 * Failures of the server are results, not exceptions: a crash or hang becomes the run's status and a warning.
 */
export async function executeRun(target: Target, item: PlanItem, ctx: RunContext): Promise<Run> {
  const { step } = item;
  const base = runHeader(target, item);
  const where = { server: target.name, step: step.name, repeat: item.repeat };
  const graceMs = ctx.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `kvbench-${target.name}-`));
  let live: LiveTarget | null = null;
  try {
    try {
      live = await target.start({
        dataDir,
        flags: ctx.scenario.serverFlags,
        ...(ctx.fdLimit ? { fdLimit: ctx.fdLimit } : {}),
        ...(ctx.pinning.server ? { cpus: ctx.pinning.server } : {}),
      });
    } catch (error) {
      const message = (error as Error).message;
      return failedRun(base, 'start-failed', message, [{ ...where, code: 'start-failed', message: `${target.name} did not start: ${message}` }]);
    }
    const proc = live.process;

    if (step.warmupRequests > 0) {
      try {
        await ctx.generator.run({
          url: live.url,
          step: { ...step, requests: step.warmupRequests, durationSec: undefined },
          // Another sequence than the measured one; >>> 0 keeps the seed an unsigned 32-bit integer.
          seed: (item.seed ^ 0x5eed) >>> 0,
          ...(ctx.pinning.load ? { cpus: ctx.pinning.load } : {}),
          signal: ctx.signal,
        });
      } catch (error) {
        const stop = proc && proc.running ? await proc.stop(graceMs) : null;
        return failedRun(base, 'load-failed', `the warm-up load failed: ${(error as Error).message}`, [], proc?.coldStartMs ?? null, stop);
      }
      proc?.resetOpenFileErrors();
    }

    const serverSampler = proc ? new ProcSampler(proc.pid, SAMPLE_MS) : null;
    let clientSampler: ProcSampler | null = null;
    const progress: ProgressPoint[] = [];
    await serverSampler?.start();
    const loadStart = performance.now();
    const watchdog = new HangWatchdog(step.timeoutMs + 5_000, ctx.signal);
    let outcome: LoadOutcome;
    try {
      outcome = await ctx.generator.run({
        url: live.url,
        step,
        seed: item.seed,
        ...(ctx.pinning.load ? { cpus: ctx.pinning.load } : {}),
        signal: watchdog.signal,
        onStart: (pid) => {
          clientSampler = new ProcSampler(pid, SAMPLE_MS);
          void clientSampler.start();
        },
        onProgress: (p) => {
          watchdog.saw(p.sent + p.completed);
          progress.push({ tMs: performance.now(), completed: p.completed, intervalRps: p.intervalRps, intervalP99Us: p.intervalP99Us });
          ctx.onProgress?.(item, p);
        },
      });
    } catch (error) {
      watchdog.dispose();
      await serverSampler?.stop();
      const stop = proc && proc.running ? await proc.stop(graceMs) : null;
      const message = `the load generator failed: ${(error as Error).message}`;
      return failedRun(base, 'load-failed', message, [], live.process?.coldStartMs ?? null, stop);
    }
    watchdog.dispose();
    await serverSampler?.stop();
    const clientSamples: ProcReading[] = (clientSampler as ProcSampler | null)?.samples ?? [];
    await (clientSampler as ProcSampler | null)?.stop();

    // Did the server die under load? Checked before we ask it to stop, so a crash is not mistaken for our SIGTERM.
    const crashedWith = proc && !proc.running ? proc.exitInfo : null;
    const stop: StopOutcome | null = proc && proc.running ? await proc.stop(graceMs) : null;

    const latency = summarizeLatency(outcome.histogram);
    const client = clientResult(outcome, latency);
    const serverProcess = proc
      ? serverResult({
          samples: serverSampler?.samples ?? [],
          requests: outcome.sent,
          wallMs: outcome.durationMs,
          openFileErrors: proc.openFileErrors,
          stderrTail: proc.recentStderr().slice(-20),
          exit: crashedWith
            ? { code: crashedWith.code, signal: crashedWith.signal, clean: false, stopMs: 0 }
            : stop
              ? { code: stop.code, signal: stop.signal, clean: stop.clean, stopMs: stop.stopMs }
              : null,
        })
      : null;

    const warnings: Warning[] = checkRun({
      ...where,
      client,
      serverProcess,
      connections: step.connections,
      clientCpuCapacity: clientCpuCapacity(step.generator, step.connections, ctx),
      machineCores: ctx.machineCores,
      pinnedApart: Boolean(ctx.pinning.server && ctx.pinning.load),
    });
    let status: Run['status'] = 'ok';
    if (crashedWith) {
      status = 'server-crashed';
      warnings.unshift({
        ...where,
        code: 'server-crashed',
        message: `${target.name} died during the load (${describeExit(crashedWith)}); the requests after that failed. Last stderr: ${proc?.recentStderr().slice(-3).join(' | ') || '(none)'}`,
      });
    } else if (watchdog.fired) {
      status = 'server-hung';
      warnings.unshift({
        ...where,
        code: 'server-hung',
        message: `${target.name} answered nothing for ${((step.timeoutMs + 5_000) / 1000).toFixed(0)} s; the load was stopped.`,
      });
    } else if (outcome.aborted || ctx.signal.aborted) {
      status = 'interrupted';
      warnings.unshift({ ...where, code: 'interrupted', message: 'Interrupted (Ctrl-C) during this step: its figures cover only part of the load.' });
    }
    if (stop?.hung) {
      if (status === 'ok') status = 'server-hung';
      warnings.push({ ...where, code: 'server-hung', message: `${target.name} did not exit within ${graceMs / 1000} s of SIGTERM and was killed.` });
    } else if (stop && !stop.clean) {
      warnings.push({
        ...where,
        code: 'unclean-exit',
        message: `${target.name} exited with ${describeExit(stop)} after SIGTERM, not 0: the kv-spec's flush-and-exit may not have happened.`,
      });
    }

    return {
      ...base,
      status,
      coldStartMs: proc?.coldStartMs ?? null,
      client,
      serverProcess,
      timeline: buildTimeline(progress, serverSampler?.samples ?? [], clientSamples, loadStart),
      warnings,
    };
  } finally {
    if (live?.process?.running) await live.process.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** What every run records about itself, measured or not: which server, step and repeat, under which load. */
export type RunHeader = Omit<Run, 'status' | 'client' | 'serverProcess' | 'coldStartMs' | 'timeline' | 'warnings'>;

export function runHeader(target: Pick<Target, 'name' | 'variant'>, item: PlanItem): RunHeader {
  const { step } = item;
  return {
    server: target.name,
    ...(target.variant ? { variant: target.variant } : {}),
    step: step.name,
    repeat: item.repeat,
    startedAt: new Date().toISOString(),
    load: {
      generator: step.generator,
      connections: step.connections,
      ...(step.requests !== undefined ? { requests: step.requests } : {}),
      ...(step.durationSec !== undefined ? { durationSec: step.durationSec } : {}),
      readFraction: step.readFraction,
      timeoutMs: step.timeoutMs,
    },
  };
}

/** autocannon is one Node event loop: one core at most. wrk runs one thread per CPU it may use. */
function clientCpuCapacity(generator: string, connections: number, ctx: RunContext): number {
  if (generator === 'autocannon') return 1;
  const cpus = ctx.pinning.load ? countCpus(ctx.pinning.load) : ctx.machineCores;
  return Math.max(1, Math.min(cpus, connections));
}

export function countCpus(list: string): number {
  return list.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : b - a! + 1);
  }, 0);
}

export function failedRun(
  base: RunHeader,
  status: Run['status'],
  error: string,
  warnings: Warning[],
  coldStartMs: number | null = null,
  stop: StopOutcome | null = null,
): Run {
  return {
    ...base,
    status,
    error,
    coldStartMs,
    client: null,
    serverProcess: stop
      ? {
          cpu: null,
          peakRssBytes: null,
          peakFds: null,
          peakThreads: null,
          openFileErrors: 0,
          stderrTail: [],
          exit: { code: stop.code, signal: stop.signal, clean: stop.clean, stopMs: stop.stopMs },
        }
      : null,
    timeline: [],
    warnings,
  };
}

/**
 * Aborts the load when nothing completes for longer than a request's timeout (plus slack): a hung server is
 * reported, never waited on forever. Also forwards the user's Ctrl-C.
 */
class HangWatchdog {
  private readonly controller = new AbortController();
  private last = -1;
  private lastChange = performance.now();
  private readonly timer: NodeJS.Timeout;
  fired = false;

  private readonly detach: () => void;

  constructor(
    private readonly limitMs: number,
    parent: AbortSignal,
  ) {
    const onAbort = () => this.controller.abort(parent.reason);
    if (parent.aborted) onAbort();
    parent.addEventListener('abort', onAbort, { once: true });
    this.detach = () => parent.removeEventListener('abort', onAbort);
    this.timer = setInterval(() => {
      if (performance.now() - this.lastChange > this.limitMs) {
        this.fired = true;
        this.controller.abort(new Error('no progress'));
      }
    }, 500);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  saw(activity: number): void {
    if (activity !== this.last) {
      this.last = activity;
      this.lastChange = performance.now();
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.detach();
  }
}
