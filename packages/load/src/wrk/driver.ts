import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ResolvedStep } from '@kvbench/schemas';
import { exec, killGroup, tail, track } from '@kvbench/launcher';
import type { TrafficSpec } from '../bodies.js';
import { noFailures } from '../failures.js';
import { encodeHistogram, latencyHistogram } from '../histogram.js';
import { checkStep, closedModelOnly } from '../step.js';
import { cpuCount, loopbackUrl, pinned } from '../target.js';
import type { LoadGenerator, LoadOutcome, LoadRequest, TimelineSample } from '../types.js';
import { cachedVersion } from '../version.js';
import { parseWrkResult, wrkMeasured } from './result.js';
import { MARK, wrkScript } from './script.js';

const PROGRESS_MS = 200;
/** wrk stops on SIGINT; one sent before it installs its handler is ignored, so it is repeated until wrk exits. */
const SIGINT_EVERY_MS = 500;
const ABORT_KILL_MS = 3000;
/** A requests step runs until its quota is answered; this only bounds a wrk left behind by accident. */
const REQUESTS_STEP_MAX_SEC = 86_400;
const INSTALL_HINT = 'install wrk: apt-get install -y wrk (Debian/Ubuntu package, wrk 4.x)';

const wrkVersion = cachedVersion(async () => {
  const result = await exec(['wrk', '-v'], { cwd: tmpdir(), timeoutMs: 10_000 });
  // `wrk -v` prints "wrk 4.1.0 [epoll] Copyright (C) 2012 Will Glozer", then its usage, and exits 1.
  const match = /^wrk (\S+)/m.exec(result.output);
  if (!match) throw new Error(`cannot read wrk's version from \`wrk -v\`:\n${tail(result.output, 5)}`);
  return match[1]!;
});

export const wrkGenerator: LoadGenerator = {
  name: 'wrk',
  async unavailable() {
    try {
      await wrkVersion();
      return null;
    } catch {
      return INSTALL_HINT;
    }
  },
  unsupported: closedModelOnly('wrk'),
  // One thread per CPU it may use (wrkPlan), never more than its connections.
  cpuCapacity: (cpus, connections) => Math.max(1, Math.min(cpuCount(cpus), connections)),
  version: wrkVersion,
  run: runWrk,
};

export interface WrkPlan {
  threads: number;
  connections: number;
  /** Per-thread quotas for a requests step. */
  quotas?: number[];
  timeoutSec: number;
  /** wrk's -d, whole seconds: the step's length rounded up for a duration step (the driver stops it on time). */
  durationSec: number;
  notes: string[];
}

/** How a step maps onto wrk's options, which are coarser than a step's. */
export function wrkPlan(step: ResolvedStep, cpus?: string): WrkPlan {
  const notes: string[] = [];
  let connections = step.connections;
  if (step.requests !== undefined && step.requests < connections) {
    notes.push(`no more connections than requests: ${step.requests} connections, not ${connections}`);
    connections = step.requests;
  }
  // wrk gives each thread connections / threads (integer division): pick a thread count that divides them.
  let threads = Math.min(cpuCount(cpus), connections);
  while (connections % threads !== 0) threads--;
  const timeoutSec = Math.max(1, Math.ceil(step.timeoutMs / 1000));
  if (timeoutSec * 1000 !== step.timeoutMs) {
    notes.push(`wrk's --timeout is in whole seconds: ${step.timeoutMs} ms became ${timeoutSec} s`);
  }
  let quotas: number[] | undefined;
  if (step.requests !== undefined) {
    const requests = step.requests;
    quotas = Array.from({ length: threads }, (_, i) => Math.floor(requests / threads) + (i < requests % threads ? 1 : 0));
  }
  const durationSec = step.durationSec !== undefined ? Math.ceil(step.durationSec) + 1 : REQUESTS_STEP_MAX_SEC;
  return { threads, connections, ...(quotas ? { quotas } : {}), timeoutSec, durationSec, notes };
}

function wrkArgs(plan: WrkPlan, scriptPath: string, url: URL): string[] {
  return [
    'wrk',
    '--threads',
    String(plan.threads),
    '--connections',
    String(plan.connections),
    '--duration',
    `${plan.durationSec}s`,
    '--timeout',
    `${plan.timeoutSec}s`,
    '--script',
    scriptPath,
    `${url.origin}/`,
  ];
}

async function withScript<T>(script: string, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kvbench-wrk-'));
  try {
    const path = join(dir, 'step.lua');
    await writeFile(path, script);
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ThreadProgress {
  sent: number;
  responses: number;
  ok: number;
}

async function runWrk(request: LoadRequest): Promise<LoadOutcome> {
  const url = loopbackUrl(request.url);
  const { step } = request;
  checkStep(step);
  const generator = {
    name: 'wrk',
    version: await wrkVersion().catch(() => {
      throw new Error(INSTALL_HINT);
    }),
  };
  const plan = wrkPlan(step, request.cpus);
  const notes = [...plan.notes];
  const fdLimit = await openFileLimit();
  if (fdLimit !== null && plan.connections + 32 > fdLimit) {
    notes.push(
      `wrk inherits an open-file limit of ${fdLimit}, too few for ${plan.connections} connections: the connections it ` +
        'cannot open are never used, and it counts them only as connect errors (raise the limit with ulimit -n)',
    );
  }
  if (step.readFraction > 0 && step.readFraction < 1) {
    notes.push(
      "wrk's response hook cannot tell which request an answer belongs to: statuses are judged by count (at most one 201 per POST, one 200/404 per GET)",
    );
  }
  const timeline: TimelineSample[] = [];
  const progress = new Map<number, ThreadProgress>();
  const totals = () => {
    const t = { sent: 0, responses: 0, ok: 0 };
    for (const p of progress.values()) {
      t.sent += p.sent;
      t.responses += p.responses;
      t.ok += p.ok;
    }
    return t;
  };
  const partial = (aborted: boolean): LoadOutcome => {
    const t = totals();
    return {
      generator,
      sent: t.sent,
      completed: t.responses,
      successful: t.ok,
      failures: { ...noFailures(), incomplete: t.sent - t.responses },
      offered: t.sent,
      dropped: 0,
      durationMs: timeline.at(-1)?.tMs ?? 0,
      histogram: encodeHistogram(latencyHistogram()),
      latencyFrom: 'write',
      serviceHistogram: null,
      connectHistogram: null,
      connections: null,
      timeline,
      cpu: null,
      aborted,
      notes: [...notes, 'wrk ended before reporting: counts are from its last progress lines'],
    };
  };
  if (request.signal?.aborted) return partial(true);

  const script = wrkScript({
    traffic: step,
    seed: request.seed,
    host: url.host,
    connections: plan.connections,
    ...(plan.quotas ? { quotas: plan.quotas } : {}),
  });

  return withScript(script, (scriptPath) => {
    const argv = pinned(wrkArgs(plan, scriptPath, url), request.cpus);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const untrack = track(child);
    const startedAt = performance.now();
    if (child.pid !== undefined) request.onStart?.(child.pid);

    let output = '';
    const keep = (text: string) => {
      output = (output + text).slice(-20_000);
    };
    child.stderr.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));
    let resultLine: string | undefined;
    const threadsDone = new Set<number>();
    let stopping: NodeJS.Timeout | undefined;
    let stalled = false;
    const stop = () => {
      if (stopping) return;
      const signal = () => {
        try {
          process.kill(child.pid!, 'SIGINT');
        } catch {
          // already gone
        }
      };
      signal();
      stopping = setInterval(signal, SIGINT_EVERY_MS);
    };

    createInterface({ input: child.stdout }).on('line', (line) => {
      const [mark, ...fields] = line.split(' ');
      if (mark === MARK.progress) {
        const [id, sent, responses, ok] = fields.map(Number);
        if (id !== undefined && sent !== undefined && responses !== undefined && ok !== undefined) {
          progress.set(id, { sent, responses, ok });
        }
      } else if (mark === MARK.threadDone) {
        threadsDone.add(Number(fields[0]));
        if (threadsDone.size === plan.threads) stop();
      } else if (mark === MARK.result) {
        resultLine = fields.join(' ');
      } else {
        keep(`${line}\n`);
      }
    });

    let previous = { at: startedAt, responses: 0 };
    let lastChangeAt = startedAt;
    const ticker = setInterval(() => {
      const now = performance.now();
      const t = totals();
      const elapsedMs = now - startedAt;
      const intervalRps = ((t.responses - previous.responses) * 1000) / (now - previous.at);
      if (t.responses !== previous.responses) lastChangeAt = now;
      previous = { at: now, responses: t.responses };
      timeline.push({ tMs: elapsedMs, completed: t.responses, successful: t.ok, intervalP99Us: null });
      request.onProgress?.({ elapsedMs, sent: t.sent, completed: t.responses, successful: t.ok, intervalRps, intervalP99Us: null });
      // wrk never gives up on a request: a requests step whose last answers never come is stopped here.
      if (plan.quotas && !stopping && now - lastChangeAt > step.timeoutMs + 1000) {
        stalled = true;
        stop();
      }
    }, PROGRESS_MS);
    const durationTimer = step.durationSec !== undefined ? setTimeout(stop, step.durationSec * 1000) : undefined;
    let killTimer: NodeJS.Timeout | undefined;
    request.onLoadStart?.();
    const onAbort = () => {
      stop();
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), ABORT_KILL_MS);
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort(); // aborted while the script was being written

    return new Promise<LoadOutcome>((resolve, reject) => {
      let spawnError: Error | undefined;
      child.on('error', (error) => {
        spawnError = new Error(`cannot run ${argv.join(' ')}: ${error.message}; ${INSTALL_HINT}`);
      });
      child.on('close', (code, signal) => {
        untrack();
        clearInterval(ticker);
        clearInterval(stopping);
        clearTimeout(durationTimer);
        clearTimeout(killTimer);
        request.signal?.removeEventListener('abort', onAbort);
        killGroup(child.pid, 'SIGKILL');
        const aborted = !!request.signal?.aborted;
        if (spawnError) return reject(spawnError);
        if (resultLine === undefined) {
          if (aborted) return resolve(partial(true));
          return reject(
            new Error(
              `wrk ended (${signal ? `signal ${signal}` : `exit code ${code}`}) without its result line ` +
                `(step ${step.name}; ${argv.join(' ')}); its output:\n${tail(output, 30)}`,
            ),
          );
        }
        try {
          const measured = wrkMeasured(parseWrkResult(resultLine), { stalled });
          if (stalled && step.requests !== undefined && measured.sent < step.requests) {
            measured.notes.push(
              `${step.requests - measured.sent} of the step's ${step.requests} requests were never sent: wrk never gives ` +
                'up on a request, so connections waiting for an answer sent nothing more until the step was stopped',
            );
          }
          // The last progress lines may lag the end by up to 200 ms: close the timeline on the final figures.
          timeline.push({ tMs: performance.now() - startedAt, completed: measured.completed, successful: measured.successful, intervalP99Us: null });
          resolve({ generator, ...measured, timeline, aborted, notes: [...notes, ...measured.notes] });
        } catch (error) {
          reject(new Error(`${(error as Error).message} (step ${step.name}); wrk's output:\n${tail(output, 30)}`));
        }
      });
    });
  });
}

/** This process's soft RLIMIT_NOFILE, which wrk inherits (it never raises its own); null if unreadable. */
async function openFileLimit(): Promise<number | null> {
  try {
    const limits = await readFile('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    return soft === undefined || soft === 'unlimited' ? null : Number(soft);
  } catch {
    return null;
  }
}

/** Test aid: the first `count` requests thread 0 of a wrk run would send, drawn by the Lua twin of bodies.ts. */
export async function wrkDrawnRequests(
  url: string,
  traffic: TrafficSpec,
  seed: number,
  count: number,
): Promise<Array<{ method: string; path: string; body: string | null }>> {
  const target = loopbackUrl(url);
  const script = wrkScript({ traffic, seed, host: target.host, connections: 1, dump: count });
  return withScript(script, async (scriptPath) => {
    const plan: WrkPlan = { threads: 1, connections: 1, timeoutSec: 1, durationSec: 1, notes: [] };
    const result = await exec(wrkArgs(plan, scriptPath, target), { cwd: tmpdir(), timeoutMs: 10_000 });
    const lines = result.output.split('\n').filter((line) => line.startsWith(`${MARK.dump}\t`));
    if (lines.length !== count) throw new Error(`wrk printed ${lines.length} of ${count} drawn requests:\n${tail(result.output, 20)}`);
    return lines.map((line) => {
      const [, method, path, body] = line.split('\t');
      return { method: method!, path: path!, body: body === '-' ? null : body! };
    });
  });
}
