import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { killGroup, tail, track } from '@kvbench/launcher';
import { encodeHistogram, latencyHistogram } from '../histogram.js';
import { noFailures } from '../failures.js';
import { loopbackUrl, pinned } from '../target.js';
import { checkStep, closedModelOnly } from '../step.js';
import type { LoadGenerator, LoadOutcome, LoadProgress, LoadRequest, TimelineSample } from '../types.js';
import type { FromWorker, ToWorker, WorkerJob } from './messages.js';

const require = createRequire(import.meta.url);
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** How long an aborted worker gets to hand back what it measured before it is killed. */
const ABORT_GRACE_MS = 1500;

function autocannonVersion(): string {
  return (require('autocannon/package.json') as { version: string }).version;
}

export const autocannonGenerator: LoadGenerator = {
  name: 'autocannon',

  async unavailable() {
    try {
      require.resolve('autocannon');
      require.resolve('tsx');
      return null;
    } catch {
      return 'autocannon is not installed: run `pnpm install` at the repository root';
    }
  },

  unsupported: closedModelOnly('autocannon'),
  // One Node event loop: one core, whatever it is given (V8's helper threads add a little on top).
  cpuCapacity: () => 1,

  async version() {
    return autocannonVersion();
  },

  run: runAutocannon,
};

/** Runs one step in a child Node process (see worker.ts) and turns its messages into a LoadOutcome. */
async function runAutocannon(request: LoadRequest): Promise<LoadOutcome> {
  const url = loopbackUrl(request.url);
  checkStep(request.step);
  const generator = { name: 'autocannon', version: autocannonVersion() };
  const timeline: TimelineSample[] = [];
  let last: LoadProgress = { elapsedMs: 0, sent: 0, completed: 0, successful: 0, intervalRps: 0, intervalP99Us: null };

  /** What is known without the worker's final report: its last progress, the rest counted as incomplete. */
  const partial = (aborted: boolean): LoadOutcome => ({
    generator,
    sent: last.sent,
    completed: last.completed,
    successful: last.successful,
    failures: { ...noFailures(), incomplete: last.sent - last.completed },
    offered: last.sent,
    dropped: 0,
    durationMs: last.elapsedMs,
    histogram: encodeHistogram(latencyHistogram()),
    latencyFrom: 'autocannon',
    serviceHistogram: null,
    connectHistogram: null,
    connections: null,
    timeline,
    cpu: null,
    aborted,
    notes: aborted ? ['aborted before the generator reported: counts are from its last progress report'] : [],
  });
  if (request.signal?.aborted) return partial(true);

  const job: WorkerJob = { url: url.origin, step: request.step, seed: request.seed };
  const argv = pinned([process.execPath, '--import', pathToFileURL(require.resolve('tsx')).href, WORKER, JSON.stringify(job)], request.cpus);
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  const untrack = track(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  return new Promise<LoadOutcome>((resolve, reject) => {
    let settled: LoadOutcome | Error | undefined;
    let abortTimer: NodeJS.Timeout | undefined;
    const settle = (result: LoadOutcome | Error) => {
      settled ??= result;
      // The worker exits by itself after its report; whatever is left of its group goes now.
      killGroup(child.pid, 'SIGKILL');
    };
    const onAbort = () => {
      if (child.connected) child.send({ type: 'stop' } satisfies ToWorker, () => undefined);
      abortTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), ABORT_GRACE_MS);
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          request.onStart?.(child.pid!);
          request.onLoadStart?.();
          break;
        case 'progress':
          last = message.progress;
          timeline.push({
            tMs: last.elapsedMs,
            completed: last.completed,
            successful: last.successful,
            intervalP99Us: last.intervalP99Us,
          });
          request.onProgress?.(last);
          break;
        case 'done':
          settle({ generator, ...message.outcome, timeline, aborted: message.outcome.aborted || !!request.signal?.aborted });
          break;
        case 'error':
          settle(new Error(`${message.message}\n(load generator autocannon, step ${request.step.name})`));
          break;
      }
    });
    child.on('error', (error) => settle(new Error(`cannot start the autocannon worker (${argv.join(' ')}): ${error.message}`)));
    // 'close', not 'exit': a child that could not be spawned (taskset missing, say) emits only 'error' and 'close'.
    child.on('close', (code, signal) => {
      untrack();
      clearTimeout(abortTimer);
      request.signal?.removeEventListener('abort', onAbort);
      if (!settled) {
        settled = request.signal?.aborted
          ? partial(true)
          : new Error(
              `the autocannon worker exited (${signal ? `signal ${signal}` : `exit code ${code}`}) before reporting ` +
                `(step ${request.step.name})${output ? `; its output:\n${tail(output, 30)}` : ''}`,
            );
      }
      if (settled instanceof Error) reject(settled);
      else resolve(settled);
    });
  });
}
