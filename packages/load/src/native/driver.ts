import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { ResolvedStep } from '@kvbench/schemas';
import { exec, killGroup, tail, track } from '@kvbench/launcher';
import { keyJsonPrefix, keyPathPrefix, valueBase, type TrafficSpec } from '../bodies.js';
import { accountingError, noFailures } from '../failures.js';
import { encodeHistogram, latencyHistogram } from '../histogram.js';
import { checkStep } from '../step.js';
import { cpuCount, loopbackUrl, pinned } from '../target.js';
import type { LoadGenerator, LoadOutcome, LoadProgress, LoadRequest, TimelineSample } from '../types.js';
import { cachedVersion } from '../version.js';
import { parseLine, type NativeDone, type NativeJob } from './messages.js';

/** Built by `pnpm build` (this package's build script: cargo build --release in native/). */
export const KVLOAD = fileURLToPath(new URL('../../native/target/release/kvload', import.meta.url));
const BUILD_HINT = 'build it with `pnpm build` (or `cargo build --release --locked` in packages/load/native)';
const PROGRESS_MS = 200;
/** After a stop line, how long kvload gets to report what it measured before it is killed. */
const ABORT_GRACE_MS = 3000;

const kvloadVersion = cachedVersion(async () => {
  const r = await exec([KVLOAD, '--version'], { cwd: fileURLToPath(new URL('.', import.meta.url)), timeoutMs: 10_000 });
  const match = /^kvload (\S+)/m.exec(r.output);
  if (!match) throw new Error(`cannot read kvload's version from \`kvload --version\`: ${tail(r.output, 3)}`);
  return match[1]!;
});

export const nativeGenerator: LoadGenerator = {
  name: 'native',
  async unavailable() {
    try {
      await access(KVLOAD, constants.X_OK);
      return null;
    } catch {
      return `kvload (${KVLOAD}) is not built: ${BUILD_HINT}`;
    }
  },
  unsupported: () => null,
  // One thread per CPU it is given, never more than its connections.
  cpuCapacity: (cpus, connections) => Math.max(1, Math.min(cpuCount(cpus), connections)),
  version: kvloadVersion,
  run: runNative,
};

/** The job line for a step: its traffic spelled out (escaped prefixes, the value base) and its model. */
export function nativeJob(url: URL, step: ResolvedStep, seed: number, threads: number): NativeJob {
  checkStep(step);
  const connections = step.requests !== undefined ? Math.min(step.connections, step.requests) : step.connections;
  const length: Pick<NativeJob, 'requests' | 'durationMs' | 'schedule'> = step.schedule
    ? { schedule: step.schedule.map((s) => ({ rate: s.rate, durationMs: s.durationSec * 1000 })) }
    : typeof step.rate === 'number'
      ? { schedule: [{ rate: step.rate, durationMs: step.durationSec! * 1000 }] }
      : step.requests !== undefined
        ? { requests: step.requests }
        : { durationMs: step.durationSec! * 1000 };
  if (step.rate !== undefined && typeof step.rate !== 'number') {
    throw new Error(`step ${step.name}: its rate is a capacity fraction the runner has not resolved yet`);
  }
  return {
    addr: url.host,
    host: url.host,
    connections,
    threads: Math.min(threads, connections),
    timeoutMs: step.timeoutMs,
    seed,
    ...length,
    // The fixed model opens its connections before the clock; the pool model dials as requests need them.
    preconnect: step.connectionModel === 'fixed',
    connectionModel: step.connectionModel,
    traffic: nativeTraffic(step, seed),
    progressMs: PROGRESS_MS,
  };
}

function nativeTraffic(spec: TrafficSpec, seed: number): NativeJob['traffic'] {
  return {
    readFraction: spec.readFraction,
    keyCount: spec.keys.count,
    keyJsonPrefix: keyJsonPrefix(spec.keys.prefix),
    keyPathPrefix: keyPathPrefix(spec.keys.prefix),
    values:
      spec.values.kind === 'int' ? { kind: 'int', min: spec.values.min, max: spec.values.max } : { kind: 'string', base: valueBase(seed, spec.values.bytes) },
    ttl: spec.ttl,
  };
}

async function runNative(request: LoadRequest): Promise<LoadOutcome> {
  const url = loopbackUrl(request.url);
  const version = await kvloadVersion().catch((error: Error) => {
    throw new Error(`kvload cannot run: ${error.message}; ${BUILD_HINT}`);
  });
  const generator = { name: 'native', version };
  const job = nativeJob(url, request.step, request.seed, nativeGenerator.cpuCapacity(request.cpus, request.step.connections));
  const timeline: TimelineSample[] = [];
  let last: LoadProgress = { elapsedMs: 0, sent: 0, completed: 0, successful: 0, intervalRps: 0, intervalP99Us: null };
  const partial = (aborted: boolean): LoadOutcome => ({
    generator,
    offered: last.sent,
    dropped: 0,
    sent: last.sent,
    completed: last.completed,
    successful: last.successful,
    failures: { ...noFailures(), incomplete: last.sent - last.completed },
    durationMs: last.elapsedMs,
    histogram: encodeHistogram(latencyHistogram()),
    latencyFrom: latencyOrigin(job),
    serviceHistogram: null,
    connectHistogram: null,
    connections: null,
    timeline,
    cpu: null,
    aborted,
    notes: ['kvload ended before reporting: counts are from its last progress line'],
  });
  if (request.signal?.aborted) return partial(true);

  const argv = pinned([KVLOAD], request.cpus);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const untrack = track(child);
  if (child.pid !== undefined) request.onStart?.(child.pid);
  child.stdin.on('error', () => undefined); // kvload gone: its exit says why
  child.stdin.write(`${JSON.stringify(job)}\n`);
  let output = '';
  const keep = (text: string) => (output = (output + text).slice(-20_000));
  child.stderr.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));

  return new Promise<LoadOutcome>((resolve, reject) => {
    let done: NativeDone | undefined;
    let protocolError: Error | undefined;
    let previous = { at: 0, completed: 0 };
    createInterface({ input: child.stdout }).on('line', (line) => {
      let message;
      try {
        message = parseLine(line);
      } catch (error) {
        protocolError ??= error as Error;
        return;
      }
      if (typeof message === 'string') return keep(`${message}\n`);
      if (message.type === 'ready') request.onLoadStart?.();
      else if (message.type === 'progress') {
        const dt = message.elapsedMs - previous.at;
        last = {
          elapsedMs: message.elapsedMs,
          sent: message.sent,
          completed: message.completed,
          successful: message.successful,
          intervalRps: dt > 0 ? ((message.completed - previous.completed) * 1000) / dt : 0,
          intervalP99Us: message.intervalP99Us,
        };
        previous = { at: message.elapsedMs, completed: message.completed };
        timeline.push({ tMs: last.elapsedMs, completed: last.completed, successful: last.successful, intervalP99Us: last.intervalP99Us });
        request.onProgress?.(last);
      } else if (message.type === 'done') done = message;
    });
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.stdin.end('stop\n');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), ABORT_GRACE_MS);
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let spawnError: Error | undefined;
    child.on('error', (error) => (spawnError = new Error(`cannot run ${argv.join(' ')}: ${error.message}; ${BUILD_HINT}`)));
    child.on('close', (code, signal) => {
      untrack();
      clearTimeout(killTimer);
      request.signal?.removeEventListener('abort', onAbort);
      killGroup(child.pid, 'SIGKILL');
      const aborted = !!request.signal?.aborted;
      if (spawnError) return reject(spawnError);
      if (protocolError) return reject(new Error(`${protocolError.message} (step ${request.step.name})`));
      if (!done) {
        if (aborted) return resolve(partial(true));
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        return reject(new Error(`kvload ended (${how}) without its result (step ${request.step.name}); its output:\n${tail(output, 20)}`));
      }
      const outcome = outcomeOf(done, generator, timeline, job, aborted);
      const wrong = accountingError(outcome);
      if (wrong || !done.accounted) return reject(new Error(`kvload: ${wrong ?? 'its own accounting failed'} (step ${request.step.name})`));
      resolve(outcome);
    });
  });
}

/** Open model: the due time. Closed: the write, or (pool model) the request's start, its dial included. */
function latencyOrigin(job: NativeJob): LoadOutcome['latencyFrom'] {
  if (job.schedule) return 'intended';
  return job.connectionModel === 'pool' ? 'start' : 'write';
}

function outcomeOf(done: NativeDone, generator: LoadOutcome['generator'], timeline: TimelineSample[], job: NativeJob, aborted: boolean): LoadOutcome {
  const notes: string[] = [];
  if (done.firstError && done.failures.connectionErrors + done.failures.clientOpenFileErrors > 0) {
    notes.push(`first connection error: ${done.firstError}`);
  }
  if (done.dropped > 0) {
    notes.push(
      `${done.dropped} of ${done.offered} offered requests were never sent: all ${job.connections} connections were still busy when the schedule ended`,
    );
  }
  // Close the timeline on the final figures: the last progress line may be up to 200 ms old.
  timeline.push({ tMs: Math.max(timeline.at(-1)?.tMs ?? 0, done.durationMs), completed: done.completed, successful: done.successful, intervalP99Us: null });
  return {
    generator,
    offered: done.offered,
    dropped: done.dropped,
    sent: done.sent,
    completed: done.completed,
    successful: done.successful,
    failures: done.failures,
    durationMs: done.durationMs,
    histogram: done.histogram,
    latencyFrom: latencyOrigin(job),
    serviceHistogram: done.serviceHistogram,
    connectHistogram: done.connectHistogram,
    connections: done.connections,
    timeline,
    cpu: done.cpu,
    aborted: aborted || done.aborted,
    notes,
  };
}

/** Test aid: the first `count` requests kvload would send on its first thread, without sending any. */
export async function nativeDrawnRequests(
  url: string,
  step: ResolvedStep,
  seed: number,
  count: number,
): Promise<Array<{ method: string; path: string; body: string | null }>> {
  const job: NativeJob = { ...nativeJob(loopbackUrl(url), step, seed, 1), dump: count };
  const child = spawn(KVLOAD, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(`${JSON.stringify(job)}\n`);
  const drawn: Array<{ method: string; path: string; body: string | null }> = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const message = parseLine(line);
    if (typeof message !== 'string' && message.type === 'dump') drawn.push({ method: message.method, path: message.path, body: message.body });
  }
  return drawn;
}
