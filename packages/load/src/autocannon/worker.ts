/**
 * The autocannon child process: `node --import tsx worker.ts '<WorkerJob JSON>'` with an IPC channel. It runs in
 * its own process so that it can be pinned with taskset and its CPU told apart from the runner's.
 *
 * autocannon 9.0.x's own figures are not used (read in its lib/run.js, httpClient.js, pipelinedRequestsQueue.js,
 * histUtil.js): its latency histogram truncates to whole milliseconds, `amount` counts sends, `errors` counts socket
 * events, and after a connection error it keeps the lost request in its per-connection queue, so every later answer
 * on that connection is paired with the request before it. Instead, `instrument()` hooks each client and counts
 * every request exactly once: answered, timed out, lost to a connection error, or still in flight at the end.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { RequestSource, JSON_CONTENT_TYPE, type DrawnRequest } from '../bodies.js';
import { accountingError, countStatus, isExpectedStatus, noFailures } from '../failures.js';
import { encodeHistogram, latencyHistogram, p99OrNull } from '../histogram.js';
import type { FromWorker, ToWorker, WorkerJob } from './messages.js';

const PROGRESS_MS = 200;

/** One request on a connection, as autocannon 9.0's PipelinedRequestsQueue keeps it, plus our method tag. */
interface Pending {
  /** Milliseconds, fractional (process.hrtime), set by terminateRequest. */
  duration?: number;
  method?: 'GET' | 'POST';
}

interface QueueInternals {
  pendingRequests: Pending[];
  insertRequest(req: unknown): void;
  terminateRequest(): Pending | undefined;
  size(): number;
  clear(): void;
}

/** The parts of autocannon 9.0's lib/httpClient.js Client that instrument() relies on. */
interface ClientInternals extends EventEmitter {
  pipelinedRequests: QueueInternals;
  destroyed: boolean;
  _connect(): void;
  destroy(): void;
}

interface RequestData {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

type Autocannon = (options: Record<string, unknown>, done: (error: Error | null) => void) => { stop(): void };

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

function send(message: FromWorker, then?: () => void): void {
  if (!process.send) throw new Error('the autocannon worker must be started with an IPC channel');
  process.send(message, undefined, undefined, then);
}

function main(): void {
  const job = JSON.parse(process.argv[2] ?? 'null') as WorkerJob | null;
  if (!job) throw new Error('usage: worker.ts <job JSON>');
  const { step } = job;
  const notes: string[] = [];

  const source = new RequestSource(step, job.seed);
  let drawn: DrawnRequest | undefined;

  const failures = noFailures();
  let sent = 0;
  /** A duration step's requests still in flight when autocannon destroys its clients at the deadline. */
  let cutOff = 0;
  let completed = 0;
  let successful = 0;
  let socketErrors = 0;
  let firstSendAt: number | undefined;
  let lastAnswerAt: number | undefined;
  const histogram = latencyHistogram();
  const interval = latencyHistogram();

  /** Hooks one client; called by autocannon's constructor before it connects and sends its first request. */
  function instrument(client: ClientInternals): void {
    const queue = client.pipelinedRequests;

    // insertRequest runs right after setupRequest drew this request (for a client's first request, setupRequest
    // ran in its constructor just before): tag the queue entry with the drawn method.
    const insert = queue.insertRequest.bind(queue);
    queue.insertRequest = (req) => {
      insert(req);
      queue.pendingRequests[queue.pendingRequests.length - 1]!.method = drawn?.method;
    };
    let answered: Pending | undefined;
    const terminate = queue.terminateRequest.bind(queue);
    queue.terminateRequest = () => (answered = terminate());

    client.on('request', () => {
      sent++;
      firstSendAt ??= performance.now();
    });
    client.on('response', (status: number) => {
      const request = answered;
      answered = undefined;
      if (!request) return;
      completed++;
      lastAnswerAt = performance.now();
      // Rounded, not truncated: autocannon's own histogram truncates to whole ms (lowestDiscernibleValue 1).
      const micros = Math.round((request.duration ?? 0) * 1000);
      histogram.recordValue(micros);
      interval.recordValue(micros);
      if (isExpectedStatus(request.method ?? 'POST', status)) successful++;
      else countStatus(failures, status);
    });
    // A socket error loses what was in flight on that connection; autocannon reconnects and sends a new request.
    client.on('connError', (error: NodeJS.ErrnoException) => {
      socketErrors++;
      const lost = queue.size();
      queue.clear();
      if (error.code === 'EMFILE' || error.code === 'ENFILE') failures.clientOpenFileErrors += lost;
      else failures.connectionErrors += lost;
    });
    // handleTimeout has already dropped the timed-out request from the queue (via _destroyConnection).
    client.on('timeout', () => {
      failures.timeouts++;
    });
    // The server closed the connection (FIN) with a request in flight: autocannon reconnects without a word.
    const connect = client._connect.bind(client);
    client._connect = () => {
      const lost = queue.size();
      if (lost) {
        queue.clear();
        failures.connectionErrors += lost;
      }
      connect();
    };
    // At the end of a duration step (or on abort) clients are destroyed with their last requests unanswered. At the
    // deadline that is autocannon's cut-off, not the server's failure: those requests are taken out of `sent`
    // (the native generator waits for them instead). On abort they stay incomplete.
    const destroy = client.destroy.bind(client);
    client.destroy = () => {
      if (!client.destroyed) {
        if (step.durationSec !== undefined && !stopping) cutOff += queue.size();
        else failures.incomplete += queue.size();
      }
      destroy();
    };
  }

  let connections = step.connections;
  if (step.requests !== undefined && step.requests < connections) {
    // autocannon throws "connections cannot be greater than amount".
    notes.push(`autocannon cannot open more connections than requests: ${step.requests} connections, not ${connections}`);
    connections = step.requests;
  }
  let timeoutSec = step.timeoutMs / 1000;
  if (timeoutSec < 1) {
    notes.push(`autocannon's timeout is at least 1 s: ${step.timeoutMs} ms was raised to 1000 ms`);
    timeoutSec = 1;
  }

  const options: Record<string, unknown> = {
    url: job.url,
    connections,
    pipelining: 1,
    timeout: timeoutSec,
    // The stop flag is only looked at on this tick: a short one ends a step close to its end.
    sampleInt: 100,
    ...(step.requests !== undefined ? { amount: step.requests } : { duration: step.durationSec }),
    requests: [
      {
        setupRequest: (request: RequestData) => {
          drawn = source.next();
          request.method = drawn.method;
          request.path = drawn.path;
          if (drawn.body === null) {
            request.headers = {};
            delete request.body;
          } else {
            request.headers = { 'Content-Type': JSON_CONTENT_TYPE };
            request.body = drawn.body;
          }
          return request;
        },
      },
    ],
    setupClient: instrument,
    skipAggregateResult: true,
  };

  let stopping = false;
  let progressTimer: NodeJS.Timeout | undefined;
  let instance: { stop(): void } | undefined;
  process.on('message', (message: ToWorker) => {
    if (message.type !== 'stop') return;
    stopping = true;
    instance?.stop();
  });
  process.on('disconnect', () => process.exit(1)); // the driver is gone: nobody wants the result

  let previous = { at: 0, completed: 0 };
  const progress = () => {
    const now = performance.now();
    const dt = now - previous.at;
    send({
      type: 'progress',
      progress: {
        elapsedMs: firstSendAt === undefined ? 0 : now - firstSendAt,
        sent,
        completed,
        successful,
        intervalRps: dt > 0 ? ((completed - previous.completed) * 1000) / dt : 0,
        intervalP99Us: p99OrNull(interval),
      },
    });
    interval.reset();
    previous = { at: now, completed };
  };

  send({ type: 'ready' });
  const cpuBefore = process.cpuUsage();
  previous = { at: performance.now(), completed: 0 };
  progressTimer = setInterval(progress, PROGRESS_MS);

  const finish = (error: Error | null) => {
    clearInterval(progressTimer);
    const cpu = process.cpuUsage(cpuBefore);
    if (error) return send({ type: 'error', message: `autocannon failed: ${error.message}` }, () => process.exit(1));
    progress();
    // First send to last answer; a step that got no answer at all lasted until it ended.
    const end = lastAnswerAt ?? performance.now();
    const outcome = { sent: sent - cutOff, completed, successful, failures };
    if (cutOff) notes.push(`${cutOff} requests were in flight when autocannon stopped at the deadline: not counted as sent (neither answered nor failed)`);
    const mismatch = accountingError(outcome);
    if (mismatch) notes.push(`kvbench bug: ${mismatch}`);
    if (socketErrors > failures.connectionErrors + failures.clientOpenFileErrors) {
      notes.push(
        `${socketErrors} socket errors, of which ${failures.connectionErrors + failures.clientOpenFileErrors} lost a request (the rest were failed reconnects with nothing in flight)`,
      );
    }
    send(
      {
        type: 'done',
        outcome: {
          ...outcome,
          offered: outcome.sent,
          dropped: 0,
          durationMs: firstSendAt === undefined ? 0 : end - firstSendAt,
          histogram: encodeHistogram(histogram),
          latencyFrom: 'autocannon',
          serviceHistogram: null,
          connectHistogram: null,
          connections: null,
          cpu: { userMs: cpu.user / 1000, sysMs: cpu.system / 1000 },
          aborted: stopping,
          notes,
        },
      },
      () => process.exit(0),
    );
  };

  try {
    instance = autocannon(options, finish);
  } catch (error) {
    finish(error as Error);
  }
}

try {
  main();
} catch (error) {
  send({ type: 'error', message: (error as Error).stack ?? String(error) }, () => process.exit(1));
}
