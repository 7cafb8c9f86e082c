import { z } from 'zod';
import type { Failures } from '@kvbench/schemas';
import { noFailures } from '../failures.js';
import { encodeHistogram, latencyHistogram } from '../histogram.js';
import type { LoadOutcome } from '../types.js';

const count = z.number().int().min(0);

/** The JSON line the script's done() prints (see script.ts). */
export const WrkResultSchema = z.object({
  durationUs: count,
  requests: count,
  errors: z.object({ connect: count, read: count, write: count, status: count, timeout: count }),
  cpu: z.object({ userMs: z.number().min(0), sysMs: z.number().min(0) }),
  threads: z
    .array(
      z.object({
        sent: count,
        posts: count,
        gets: count,
        responses: count,
        /** CLOCK_MONOTONIC seconds; -1 when the thread sent nothing / got no answer. */
        firstSend: z.number(),
        lastAnswer: z.number(),
        statuses: z.record(z.string().regex(/^\d+$/), count),
      }),
    )
    .min(1),
  /** Flattened pairs: latency µs, count, latency µs, count, … */
  latency: z.array(count).refine((a) => a.length % 2 === 0, 'latency must hold (value, count) pairs'),
});
export type WrkResult = z.infer<typeof WrkResultSchema>;

export function parseWrkResult(json: string): WrkResult {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new Error(`wrk's result line is not JSON (${(error as Error).message})`);
  }
  const parsed = WrkResultSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`wrk's result line does not have the expected shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export interface StatusSplit {
  successful: number;
  byStatus: Record<string, number>;
}

/**
 * wrk's response() hook sees a status but not the request it answers, so a status is judged by what it could
 * answer: at most `posts` 201s and at most `gets` 200s and 404s are expected; every other status, and any excess,
 * is a failure. `late` answers (slower than the timeout: wrk's errors.timeout) are timeouts, not completed; they
 * are taken from the expected answers first (a slow server still answers correctly), then from the others.
 */
export function splitStatuses(statuses: Record<string, number>, posts: number, gets: number, late: number): StatusSplit {
  const byStatus: Record<string, number> = {};
  const take = (code: string, n: number) => {
    if (n > 0) byStatus[code] = (byStatus[code] ?? 0) + n;
  };
  const c201 = statuses['201'] ?? 0;
  const c200 = statuses['200'] ?? 0;
  const c404 = statuses['404'] ?? 0;
  const postOk = Math.min(c201, posts);
  const getOk = Math.min(c200 + c404, gets);
  take('201', c201 - postOk);
  const extraGets = c200 + c404 - getOk;
  take('200', Math.min(c200, extraGets));
  take('404', extraGets - Math.min(c200, extraGets));
  for (const [code, n] of Object.entries(statuses)) if (code !== '201' && code !== '200' && code !== '404') take(code, n);

  let successful = postOk + getOk;
  let lateLeft = late - Math.min(late, successful);
  successful -= Math.min(late, successful);
  for (const code of Object.keys(byStatus).sort((a, b) => byStatus[b]! - byStatus[a]!)) {
    const n = Math.min(lateLeft, byStatus[code]!);
    byStatus[code]! -= n;
    lateLeft -= n;
    if (byStatus[code] === 0) delete byStatus[code];
  }
  return { successful, byStatus };
}

export type WrkMeasured = Pick<
  LoadOutcome,
  | 'offered'
  | 'dropped'
  | 'sent'
  | 'completed'
  | 'successful'
  | 'failures'
  | 'durationMs'
  | 'histogram'
  | 'latencyFrom'
  | 'serviceHistogram'
  | 'connectHistogram'
  | 'connections'
  | 'cpu'
> & {
  notes: string[];
};

/**
 * Per-request accounting from wrk's counters. wrk counts socket events, not requests: a request lost with its
 * connection shows as a read or write error, or — when the server closed the connection cleanly — only as the
 * reconnect's connect error. So what was sent and never answered is split into connection errors (as many as
 * there were socket errors) and the rest: still in flight when the step ended (incomplete), or, when the driver
 * stopped a stalled requests step after the timeout, timeouts.
 */
export function wrkMeasured(result: WrkResult, options: { stalled: boolean }): WrkMeasured {
  const notes: string[] = [];
  const sum = (pick: (t: WrkResult['threads'][number]) => number) => result.threads.reduce((a, t) => a + pick(t), 0);
  const sent = sum((t) => t.sent);
  const responses = sum((t) => t.responses);
  if (responses !== result.requests) {
    throw new Error(`wrk reported ${result.requests} responses but its threads' response() hooks saw ${responses}`);
  }
  if (responses > sent) throw new Error(`wrk answered ${responses} requests but the script sent only ${sent}`);

  const statuses: Record<string, number> = {};
  for (const thread of result.threads) {
    for (const [code, n] of Object.entries(thread.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  }
  const late = Math.min(result.errors.timeout, responses);
  const split = splitStatuses(
    statuses,
    sum((t) => t.posts),
    sum((t) => t.gets),
    late,
  );
  const failures: Failures = { ...noFailures(), byStatus: split.byStatus, timeouts: late };
  const lost = sent - responses;
  const socketErrors = result.errors.connect + result.errors.read + result.errors.write;
  failures.connectionErrors = Math.min(lost, socketErrors);
  const rest = lost - failures.connectionErrors;
  if (options.stalled) failures.timeouts += rest;
  else failures.incomplete = rest;
  if (options.stalled && rest > 0) {
    notes.push(`${rest} requests were still unanswered after the timeout when the step was stopped; counted as timeouts`);
  }

  const histogram = latencyHistogram();
  let recorded = 0;
  for (let i = 0; i < result.latency.length; i += 2) {
    histogram.recordValueWithCount(result.latency[i]!, result.latency[i + 1]!);
    recorded += result.latency[i + 1]!;
  }
  const completed = responses - late;
  if (recorded !== completed) {
    throw new Error(
      `wrk's latency histogram holds ${recorded} answers after undoing its coordinated-omission correction, not the ` +
        `${completed} it answered in time: this wrk build's histogram is not laid out as kvbench expects (wrk 4.1)`,
    );
  }

  const firsts = result.threads.map((t) => t.firstSend).filter((t) => t >= 0);
  const lasts = result.threads.map((t) => t.lastAnswer).filter((t) => t >= 0);
  // First send to last answer, as for autocannon; a step that got no answer at all lasted as long as wrk ran.
  const durationMs = firsts.length && lasts.length ? Math.max(0, (Math.max(...lasts) - Math.min(...firsts)) * 1000) : result.durationUs / 1000;
  return {
    offered: sent,
    dropped: 0,
    sent,
    completed,
    successful: split.successful,
    failures,
    durationMs,
    histogram: encodeHistogram(histogram),
    latencyFrom: 'write',
    serviceHistogram: null,
    connectHistogram: null,
    connections: null,
    cpu: { userMs: result.cpu.userMs, sysMs: result.cpu.sysMs },
    notes,
  };
}
