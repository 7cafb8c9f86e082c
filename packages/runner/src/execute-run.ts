import { mkdtemp, rm } from 'node:fs/promises';
import {
  ProcSampler,
  cpuBetween,
  describeExit,
  machineBetween,
  readCpuCounters,
  readMachineStat,
  type MachineStat,
  readNofile,
  readRssHighWater,
  scratchPrefix,
  type CpuCounters,
  type StopOutcome,
} from '@kvbench/launcher';
import { calibrateCpus, cpuCount, type CpuSpeed, type LoadGenerator, type LoadOutcome, type LoadProgress, loopbackNsPerRoundTrip } from '@kvbench/load';
import { buildTimeline, checkRun, clientResult, machineResult, serverResult, summarizeLatency, type ProcReading, type ProgressPoint } from '@kvbench/metrics';
import { stepModel, type CapacityResult, type FdLimit, type Run, type Scenario, type Warning } from '@kvbench/schemas';
import { judgeProbe, searchCapacity } from './capacity.js';
import { mixSeed, type PlanItem } from './plan.js';
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
export const DEFAULT_STOP_GRACE_MS = 10_000;
/** Added per GiB the server holds: a review measured 13 s (Go) and 23 s (Rust) to stop a multi-gigabyte store. */
const GRACE_PER_GIB_MS = 10_000;

/** How long a server of this size may take to stop before it counts as hung. */
export function stopGraceMs(rssBytes: number | null): number {
  return DEFAULT_STOP_GRACE_MS + Math.floor((rssBytes ?? 0) / 2 ** 30) * GRACE_PER_GIB_MS;
}

/** What one measured load gave: the generator's outcome and what the runner observed around it. */
interface Measured {
  outcome: LoadOutcome;
  serverSamples: ProcReading[];
  clientSamples: ProcReading[];
  progress: ProgressPoint[];
  loadStart: number;
  window: ReturnType<typeof cpuBetween> | null;
  /** The whole machine (/proc/stat) and the runner itself over the same window, to tell a neighbour's load. */
  machineWindow: ReturnType<typeof machineBetween> | null;
  runnerCpuMs: number | null;
  hung: boolean;
}

/**
 * One (server, step, repeat): a fresh server on a fresh data directory, warm-up, measured load, clean stop.
 * Failures of the server are results, not exceptions: a crash or hang becomes the run's status and a warning.
 */
export async function executeRun(target: Target, item: PlanItem, ctx: RunContext): Promise<Run> {
  const { step } = item;
  const base = runHeader(target, item);
  const where = { server: target.name, step: step.name, repeat: item.repeat };
  // Read at stop time: a server holding gigabytes needs longer for its final flush than an empty one.
  let graceMs = ctx.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  const graceFor = (p: { pid: number }) => (graceMs = ctx.stopGraceMs ?? stopGraceMs(readRssHighWater(p.pid)));
  const dataDir = await mkdtemp(scratchPrefix(target.name));
  let live: LiveTarget | null = null;
  // Before the server starts and after it stops, so the calibration runs on a machine with nothing of ours on it.
  const speedBefore = await calibrate(ctx);
  const loopbackNs = await loopback(ctx);
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
    const nofile = proc ? readNofile(proc.pid) : null;

    if (step.warmupRequests > 0) {
      try {
        const warmupStep = { ...step, requests: step.warmupRequests, durationSec: undefined, rate: undefined, schedule: undefined, capacity: undefined };
        await ctx.generator.run({
          url: live.url,
          step: warmupStep,
          // Another sequence than the measured one; >>> 0 keeps the seed an unsigned 32-bit integer.
          seed: (item.seed ^ 0x5eed) >>> 0,
          ...(ctx.pinning.load ? { cpus: ctx.pinning.load } : {}),
          signal: ctx.signal,
        });
      } catch (error) {
        const stop = proc?.running ? await proc.stop(graceFor(proc)) : null;
        return failedRun(base, 'load-failed', `the warm-up load failed: ${(error as Error).message}`, [], proc?.coldStartMs ?? null, stop);
      }
      proc?.resetOpenFileErrors();
    }

    let measured: Measured;
    let capacity: CapacityResult | undefined;
    try {
      if (step.capacity) {
        const search = await measureCapacity(live, item, ctx);
        capacity = search.result;
        if (!search.best) {
          const stop = proc?.running ? await proc.stop(graceFor(proc)) : null;
          const why = `no probe met p99 ≤ ${step.capacity.p99Ms} ms with every request answered (${search.result.probes.map((p) => `${p.rate}/s: ${p.reason}`).join('; ')})`;
          return {
            ...failedRun(base, 'load-failed', why, [{ ...where, code: 'failed-requests', message: `${target.name}: ${why}` }], proc?.coldStartMs ?? null, stop),
            capacity,
          };
        }
        measured = search.best;
      } else {
        measured = await measureLoad(live, step, item.seed, ctx, (p) => ctx.onProgress?.(item, p));
      }
    } catch (error) {
      const stop = proc?.running ? await proc.stop(graceFor(proc)) : null;
      const message = `the load generator failed: ${(error as Error).message}`;
      return failedRun(base, 'load-failed', message, [], live.process?.coldStartMs ?? null, stop);
    }
    const { outcome } = measured;
    const rssHighWater = proc ? readRssHighWater(proc.pid) : null;

    // Did the server die under load? Checked before we ask it to stop, so a crash is not mistaken for our SIGTERM.
    const crashedWith = proc && !proc.running ? proc.exitInfo : null;
    const stop: StopOutcome | null = proc?.running ? await proc.stop(graceFor(proc)) : null;

    const speedAfter = await calibrate(ctx);
    const client = clientResult(outcome, summarizeLatency(outcome.histogram), {
      serviceLatency: outcome.serviceHistogram ? summarizeLatency(outcome.serviceHistogram) : null,
      connect: outcome.connectHistogram ? summarizeLatency(outcome.connectHistogram) : null,
    });
    const serverProcess = proc
      ? serverResult({
          samples: measured.serverSamples,
          windowCpu: measured.window,
          cpuExact: measured.window?.exact ?? null,
          rssHighWaterBytes: rssHighWater,
          nofile,
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

    const machine = machineResult({
      stat: measured.machineWindow,
      wallMs: outcome.durationMs,
      serverCpuMs: measured.window?.totalMs ?? null,
      clientCpuMs: outcome.cpu ? outcome.cpu.userMs + outcome.cpu.sysMs : null,
      runnerCpuMs: measured.runnerCpuMs,
      calibration: pairSpeeds(speedBefore, speedAfter),
      loopbackNs,
    });
    const warnings: Warning[] = checkRun({
      ...where,
      client,
      serverProcess,
      machine,
      connections: step.connections,
      model: stepModel(step),
      clientCpuCapacity: ctx.generator.cpuCapacity(ctx.pinning.load, step.connections),
      serverCpuCapacity: ctx.pinning.server ? cpuCount(ctx.pinning.server) : ctx.machineCores,
      machineCores: ctx.machineCores,
      pinnedApart: Boolean(ctx.pinning.server && ctx.pinning.load),
    });
    if (capacity?.nearClientCeiling) {
      warnings.unshift({
        ...where,
        code: 'client-ceiling',
        message:
          `${target.name}'s capacity (${capacity.rate} req/s) is close to what the client can offer on its CPUs ` +
          `(about ${Math.round(capacity.clientCeilingRps ?? 0)} req/s): the client, not the server, may have set it. ` +
          'Read it as "at least".',
      });
    }
    let status: Run['status'] = 'ok';
    if (crashedWith) {
      status = 'server-crashed';
      warnings.unshift({
        ...where,
        code: 'server-crashed',
        message: `${target.name} died during the load (${describeExit(crashedWith)}); the requests after that failed. Last stderr: ${proc?.recentStderr().slice(-3).join(' | ') || '(none)'}`,
      });
    } else if (measured.hung) {
      status = 'server-hung';
      warnings.unshift({
        ...where,
        code: 'server-hung',
        message: `${target.name} answered nothing for ${((step.timeoutMs + 5_000) / 1000).toFixed(0)} s; the load was stopped.`,
      });
    } else if (outcome.aborted || ctx.signal.aborted) {
      status = 'interrupted';
      warnings.unshift({ ...where, code: 'interrupted', message: 'Interrupted (Ctrl-C) during this step: its figures cover only part of the load.' });
    } else if (outcome.sent > 0 && outcome.successful === 0) {
      // Speed without one right answer is not a measurement of this server (a dead port "serves" errors fast).
      status = 'load-failed';
    }
    if (stop?.hung) {
      if (status === 'ok') status = 'server-hung';
      warnings.push({ ...where, code: 'server-hung', message: `${target.name} did not exit within ${graceMs / 1000} s of SIGTERM and was killed.` });
    } else if (stop && !stop.clean) {
      warnings.push({
        ...where,
        code: 'unclean-exit',
        message: `${target.name} exited with ${describeExit(stop)} after ${live.process?.stopSignal ?? 'SIGTERM'}, not 0: the kv-spec's flush-and-exit may not have happened.`,
      });
    }

    return {
      ...base,
      ...(status === 'load-failed' ? { error: `not one of ${outcome.sent} requests was answered right: nothing here to rank` } : {}),
      // A capacity run reports its best probe: the rate it was measured at.
      ...(capacity?.rate ? { load: { ...base.load, rate: capacity.rate, durationSec: step.capacity!.probeSec } } : {}),
      status,
      coldStartMs: proc?.coldStartMs ?? null,
      client,
      serverProcess,
      timeline: buildTimeline(measured.progress, measured.serverSamples, measured.clientSamples, measured.loadStart),
      ...(capacity ? { capacity } : {}),
      ...(machine ? { machine } : {}),
      warnings,
    };
  } finally {
    if (live?.process?.running) await live.process.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * One load on a running server, observed: the server's CPU counters read exactly when the generator starts its
 * clock and when it returns, /proc samples of both processes for the timelines, and a watchdog for hangs.
 */
async function measureLoad(live: LiveTarget, step: PlanItem['step'], seed: number, ctx: RunContext, onProgress: (p: LoadProgress) => void): Promise<Measured> {
  const proc = live.process;
  const serverSampler = proc ? new ProcSampler(proc.pid, SAMPLE_MS) : null;
  let clientSampler: ProcSampler | null = null;
  const progress: ProgressPoint[] = [];
  let windowStart: CpuCounters | null = null;
  let machineStart: MachineStat | null = null;
  let runnerStart: CpuCounters | null = null;
  let loadStart = performance.now();
  await serverSampler?.start();
  const watchdog = new HangWatchdog(step.timeoutMs + 5_000, ctx.signal);
  try {
    const outcome = await ctx.generator.run({
      url: live.url,
      step,
      seed,
      ...(ctx.pinning.load ? { cpus: ctx.pinning.load } : {}),
      signal: watchdog.signal,
      onStart: (pid) => {
        clientSampler = new ProcSampler(pid, SAMPLE_MS);
        void clientSampler.start();
      },
      onLoadStart: () => {
        windowStart = proc ? readCpuCounters(proc.pid) : null;
        machineStart = readMachineStatOrNull();
        runnerStart = readCpuCounters(process.pid);
        loadStart = performance.now();
      },
      onProgress: (p) => {
        // Answers only: requests that time out free their slot for the next send, so counting sends would call a
        // server that answers nothing busy (a hung server once held a 3 000-request step for 74 s).
        watchdog.saw(p.completed);
        progress.push({ tMs: performance.now(), completed: p.completed, intervalRps: p.intervalRps, intervalP99Us: p.intervalP99Us });
        onProgress(p);
      },
    });
    const windowEnd = proc ? readCpuCounters(proc.pid) : null;
    const machineEnd = readMachineStatOrNull();
    const runnerEnd = readCpuCounters(process.pid);
    const started = windowStart as CpuCounters | null;
    const machineFrom = machineStart as MachineStat | null;
    const runnerFrom = runnerStart as CpuCounters | null;
    return {
      outcome,
      serverSamples: serverSampler?.samples ?? [],
      clientSamples: (clientSampler as ProcSampler | null)?.samples ?? [],
      progress,
      loadStart,
      window: started && windowEnd ? cpuBetween(started, windowEnd) : null,
      machineWindow: machineFrom && machineEnd ? machineBetween(machineFrom, machineEnd) : null,
      runnerCpuMs: runnerFrom && runnerEnd ? cpuBetween(runnerFrom, runnerEnd).totalMs : null,
      hung: watchdog.fired,
    };
  } finally {
    watchdog.dispose();
    await serverSampler?.stop();
    await (clientSampler as ProcSampler | null)?.stop();
  }
}

function readMachineStatOrNull(): MachineStat | null {
  try {
    return readMachineStat();
  } catch {
    return null; // no /proc/stat (not Linux): the run simply has no machine figures
  }
}

/**
 * The machine's speed on the CPUs the run uses (the server's and the client's, or wherever the kernel puts it when
 * nothing is pinned). Without kvload (an autocannon-only checkout) there is no calibration, and no drift figure.
 */
async function calibrate(ctx: RunContext): Promise<CpuSpeed[]> {
  try {
    return await calibrateCpus(runCpus(ctx));
  } catch {
    return [];
  }
}

/** The machine's fixed loopback work on the run's CPUs (see loopbackNsPerRoundTrip); null without kvload. */
async function loopback(ctx: RunContext): Promise<number | null> {
  try {
    return await loopbackNsPerRoundTrip(runCpus(ctx));
  } catch {
    return null;
  }
}

/** The server's CPUs, then the client's, as one taskset list; null when nothing is pinned. */
function runCpus(ctx: RunContext): string | null {
  return [ctx.pinning.server, ctx.pinning.load].filter((c): c is string => Boolean(c)).join(',') || null;
}

/** Before and after, CPU by CPU. */
function pairSpeeds(before: readonly CpuSpeed[], after: readonly CpuSpeed[]) {
  return before.flatMap((b) => {
    const a = after.find((s) => s.cpu === b.cpu);
    return a ? [{ cpu: b.cpu, beforeNs: b.ns, afterNs: a.ns }] : [];
  });
}

/** Between probes, the server's queues drain and its flush runs, so one probe's backlog does not fail the next. */
const PROBE_PAUSE_MS = 500;

/** A capacity search on one server process; the run then reports the highest probe that held. */
async function measureCapacity(live: LiveTarget, item: PlanItem, ctx: RunContext): Promise<{ result: CapacityResult; best: Measured | null }> {
  const { step } = item;
  const spec = step.capacity!;
  const targetUs = spec.p99Ms * 1000;
  let best: { rate: number; measured: Measured } | null = null;
  const clientCores = ctx.generator.cpuCapacity(ctx.pinning.load, step.connections);
  let index = 0;
  const result = await searchCapacity(
    spec,
    clientCores,
    async (rate) => {
      if (index++ > 0) await new Promise((r) => setTimeout(r, PROBE_PAUSE_MS));
      const probeStep = { ...step, capacity: undefined, requests: undefined, schedule: undefined, rate, durationSec: spec.probeSec };
      const measured = await measureLoad(live, probeStep, mixSeed(item.seed, index, 0), ctx, (p) => ctx.onProgress?.(item, p));
      const { outcome } = measured;
      const latency = summarizeLatency(outcome.histogram);
      const client = clientResult(outcome, latency);
      const wallMs = outcome.durationMs;
      const reading = {
        p99Us: latency.count > 0 ? latency.p99Us : null,
        successRate: client.successRate,
        dropped: outcome.dropped,
        sent: outcome.sent,
        serverCoresBusy: measured.window && wallMs > 0 ? measured.window.totalMs / wallMs : null,
        clientCoresBusy: client.cpu?.coresBusy ?? null,
        clientUsPerRequest: client.cpuUsPerRequest,
      };
      if (judgeProbe(reading, targetUs).ok && (!best || rate > best.rate)) best = { rate, measured };
      return reading;
    },
    ctx.signal,
  );
  return { result, best: (best as { rate: number; measured: Measured } | null)?.measured ?? null };
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
      model: stepModel(step),
      connections: step.connections,
      connectionModel: step.connectionModel,
      ...(step.requests !== undefined ? { requests: step.requests } : {}),
      ...(step.durationSec !== undefined ? { durationSec: step.durationSec } : {}),
      ...(typeof step.rate === 'number' ? { rate: step.rate } : {}),
      ...(step.schedule ? { schedule: step.schedule } : {}),
      readFraction: step.readFraction,
      timeoutMs: step.timeoutMs,
    },
  };
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
          nofile: null,
          cpuExact: null,
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
 * Aborts the load when no answer arrives for longer than a request's timeout (plus slack): a hung server is
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
