import assert from 'node:assert/strict';
import net from 'node:net';
import type { CaseGroup } from '../case.js';
import { sleep } from '../http.js';
import { allResponses, rawExchange } from '../raw.js';
import type { ServerUnderTest } from '../server-under-test.js';

// The spec's connection limits (docs/kv-spec.md, "Connection limits"): slow and idle clients lose their connection
// at the timeouts, so that they cannot hold a server's descriptors, while a busy keep-alive connection keeps its own.

const HOST = 'Host: 127.0.0.1';
const GET_HEALTHZ = `GET /healthz HTTP/1.1\r\n${HOST}\r\n\r\n`;
/** The spec's default header timeout, which the slow-header case runs with. */
const HEADER_TIMEOUT_MS = 10_000;
/**
 * How late a close may come: Node checks its header and request timers once a second, and this 2-core machine is
 * shared. How early: a close before the timeout less this is a server cutting clients off too soon.
 */
const LATE_MS = 3_000;
const EARLY_MS = 1_000;
/** Few enough descriptors that a few hundred connections exhaust them, enough for any runtime to start with. */
const OPEN_FILES = 128;
/** More connections than OPEN_FILES leaves the server, and fewer than twice that (see the slow-header case). */
const CROWD = 160;

/** One connection a case holds open, and what happened to it. */
class Held {
  readonly openedAt = Date.now();
  /** When the first complete response came. */
  answeredAt: number | null = null;
  closedAt: number | null = null;
  received = Buffer.alloc(0);
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      if (this.answeredAt === null && this.answers().length > 0) this.answeredAt = Date.now();
    });
    socket.on('error', () => undefined); // a reset is a close like any other here
    socket.on('close', () => {
      this.closedAt ??= Date.now();
      this.stop();
    });
  }

  static open(url: string): Promise<Held> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port) }, () => resolve(new Held(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes `text` one byte every `everyMs`, for as long as the connection stays open. */
  trickle(text: string, everyMs: number): void {
    let i = 0;
    this.timers.push(
      setInterval(() => {
        if (i < text.length && !this.socket.destroyed) this.socket.write(text[i++]!);
      }, everyMs),
    );
  }

  /** Sends `GET /healthz` every `everyMs`. */
  poll(everyMs: number): void {
    this.timers.push(setInterval(() => !this.socket.destroyed && this.socket.write(GET_HEALTHZ), everyMs));
  }

  /** Complete responses received so far. */
  answers(): number[] {
    return allResponses(this.received)
      .filter((r) => r.complete)
      .map((r) => r.status);
  }

  /** Waits until `count` complete responses are in, the connection closes, or `ms` pass. */
  async answered(count: number, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.answers().length < count && this.closedAt === null && Date.now() < until) await sleep(20);
    return this.answers().length >= count;
  }

  /** Open for how long since `from` (default: since it was opened): until the close, or until now. */
  openMs(from = this.openedAt): number {
    return (this.closedAt ?? Date.now()) - from;
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  destroy(): void {
    this.stop();
    this.socket.destroy();
  }
}

/** Opens `count` connections at once; some may be waiting in the server's accept queue. */
function openMany(url: string, count: number): Promise<Held[]> {
  return Promise.all(Array.from({ length: count }, () => Held.open(url)));
}

/**
 * Tries `GET /healthz` on fresh connections (1 s each) until one is answered 200 or `ms` pass; returns when, in ms
 * from `since`, or null. While the server has no descriptor left, a try waits in the accept queue or is reset.
 */
async function freshAnswer(url: string, since: number, ms: number): Promise<number | null> {
  const until = since + ms;
  while (Date.now() < until) {
    const outcome = await rawExchange(url, GET_HEALTHZ, { timeoutMs: Math.min(1_000, Math.max(until - Date.now(), 1)) });
    if (outcome.status === 200) return Date.now() - since;
    if (outcome.closed) await sleep(100);
  }
  return null;
}

/** Waits until every connection in `held` is closed, or `ms` pass from `since`. */
async function allClosed(held: Held[], since: number, ms: number): Promise<void> {
  while (held.some((h) => h.closedAt === null) && Date.now() < since + ms) await sleep(50);
}

/** When a connection's clock starts: at the connect, or at its first answer. */
type Since = (h: Held) => number;
const opened: Since = (h) => h.openedAt;
const firstAnswer: Since = (h) => h.answeredAt ?? h.openedAt;

/** "closed at 10.2 s, open at 16.0 s", counted from `since`, for messages. */
function lifetimes(held: Held[], since: Since = opened): string {
  const seconds = (h: Held) => `${(h.openMs(since(h)) / 1000).toFixed(1)} s`;
  return held.map((h) => `${h.closedAt === null ? 'open' : 'closed'} at ${seconds(h)}`).join(', ');
}

/** Connections closed within [expected − EARLY_MS, expected + LATE_MS] of `since`; throws naming the others. */
function expectClosedAt(held: Held[], expectedMs: number, since: Since, what: string): void {
  const wrong = held.filter((h) => {
    const ms = h.openMs(since(h));
    return h.closedAt === null || ms < expectedMs - EARLY_MS || ms > expectedMs + LATE_MS;
  });
  assert.ok(
    wrong.length === 0,
    `${what}: ${wrong.length} of ${held.length} were not closed by the server between ${(expectedMs - EARLY_MS) / 1000} and ${(expectedMs + LATE_MS) / 1000} s: ${lifetimes(wrong, since)}`,
  );
}

function release(...groups: Held[][]): void {
  for (const group of groups) for (const h of group) h.destroy();
}

/** Each case starts its own server: with fewer descriptors, or shorter timeouts than the spec's defaults. */
export const limitCases: CaseGroup = {
  name: 'connection limits',
  cases: [
    {
      name: `slow headers on more connections than the server has descriptors (${CROWD} for ${OPEN_FILES}): each is closed at the 10 s header timeout, a fresh client is answered soon after, and an idle keep-alive connection outlives them`,
      timeoutMs: 40_000,
      async run(sut: ServerUnderTest) {
        // No flush while the descriptors are gone: there is nothing to write, and a server may write every shard once.
        await sut.start({ openFiles: OPEN_FILES, flushInterval: 60_000 });
        const idle = await Held.open(sut.url);
        const watched: Held[] = [];
        let crowd: Held[] = [];
        try {
          idle.socket.write(GET_HEALTHZ);
          assert.ok(
            await idle.answered(1, 5_000),
            `the keep-alive connection's first GET /healthz was not answered: ${JSON.stringify(idle.received.toString('latin1'))}`,
          );
          const since = Date.now();
          // The first twenty are accepted at once (the server has descriptors left); they are the ones timed.
          for (let i = 0; i < 20; i++) watched.push(await Held.open(sut.url));
          crowd = await openMany(sut.url, CROWD - watched.length);
          const slowHead = `GET /healthz HTTP/1.1\r\n${HOST}\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
          for (const h of [...watched, ...crowd]) h.trickle(slowHead, 500);

          const answeredAfter = await freshAnswer(sut.url, since, HEADER_TIMEOUT_MS + LATE_MS + 2_000);
          assert.ok(
            answeredAfter !== null,
            `no fresh GET /healthz was answered within ${(HEADER_TIMEOUT_MS + LATE_MS + 2_000) / 1000} s while ${CROWD} connections sent their headers a byte every 0.5 s to a server with ${OPEN_FILES} descriptors: slow clients hold its descriptors (watched connections: ${lifetimes(watched.slice(0, 5))}, …)${sut.stderrTail()}`,
          );
          await allClosed(watched, since, HEADER_TIMEOUT_MS + LATE_MS + 500);
          expectClosedAt(watched, HEADER_TIMEOUT_MS, opened, 'connections sending their headers a byte every 0.5 s (seconds from the connect)');

          // Past the header timeout since it went idle, the keep-alive connection still serves: idle is not slow.
          assert.equal(
            idle.closedAt,
            null,
            `the idle keep-alive connection was closed after ${(idle.openMs() / 1000).toFixed(1)} s, with the slow ones: a server that times the wait for the next request by the header timeout`,
          );
          idle.socket.write(GET_HEALTHZ);
          assert.ok(
            await idle.answered(2, 5_000),
            `the idle keep-alive connection did not answer its second GET /healthz: ${JSON.stringify(idle.received.toString('latin1').slice(-300))}`,
          );
          assert.deepStrictEqual(idle.answers(), [200, 200], 'the idle keep-alive connection');
        } finally {
          release([idle], watched, crowd);
        }
        await sut.stopCleanly();
      },
    },
    {
      name: `idle keep-alive connections on more connections than the server has descriptors (${CROWD} for ${OPEN_FILES}, --idle-timeout 2000): each is closed at the idle timeout, a fresh client is answered soon after, and a busy one is never closed`,
      timeoutMs: 30_000,
      async run(sut: ServerUnderTest) {
        const idleMs = 2_000;
        await sut.start({ openFiles: OPEN_FILES, flushInterval: 60_000, idleTimeout: idleMs });
        const busy = await Held.open(sut.url);
        let crowd: Held[] = [];
        try {
          busy.poll(400);
          crowd = await openMany(sut.url, CROWD);
          for (const h of crowd) h.socket.write(GET_HEALTHZ);
          // Those the server took are answered at once and go idle; the rest wait in its accept queue (to be taken
          // as descriptors come free), or were reset.
          await sleep(idleMs / 4);
          const idle = crowd.filter((h) => h.answeredAt !== null && h.closedAt === null);
          assert.ok(
            idle.length >= 40,
            `only ${idle.length} of ${CROWD} connections were answered and kept alive within ${idleMs / 4000} s; the case needs the server to hold some idle`,
          );
          const since = Math.max(...idle.map(firstAnswer));

          const answeredAfter = await freshAnswer(sut.url, since, idleMs + LATE_MS + 3_000);
          assert.ok(
            answeredAfter !== null,
            `no fresh GET /healthz was answered within ${(idleMs + LATE_MS + 3_000) / 1000} s while ${idle.length} idle keep-alive connections held a server with ${OPEN_FILES} descriptors and a ${idleMs / 1000} s idle timeout: idle clients hold its descriptors (${lifetimes(idle.slice(0, 5))}, …)${sut.stderrTail()}`,
          );
          await allClosed(idle, since, idleMs + LATE_MS + 3_500);
          expectClosedAt(idle, idleMs, firstAnswer, 'idle keep-alive connections, answered once (seconds from the answer)');

          // The busy one has outlived two idle timeouts, with a request every 0.4 s.
          await sleep(2 * idleMs - busy.openMs());
          const answers = busy.answers();
          assert.equal(
            busy.closedAt,
            null,
            `the busy keep-alive connection (a request every 0.4 s) was closed after ${(busy.openMs() / 1000).toFixed(1)} s: the idle timeout must count from the last answer`,
          );
          const asked = Math.floor(busy.openMs() / 400);
          assert.ok(
            answers.length >= asked - 2 && answers.every((s) => s === 200),
            `the busy keep-alive connection got ${answers.length} answers to about ${asked} requests (${answers.join(', ')})`,
          );
        } finally {
          release([busy], crowd);
        }
        await sut.stopCleanly();
      },
    },
    {
      name: 'a request body still arriving at the request timeout is cut off there (--request-timeout 2000), while one that arrives in time is stored',
      timeoutMs: 20_000,
      async run(sut: ServerUnderTest) {
        const requestMs = 2_000;
        await sut.start({ requestTimeout: requestMs });
        const postHead = (body: string) => `POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
        const slowBody = `{"key": "slow-body", "value": "${'x'.repeat(100)}"}`;
        const timelyBody = `{"key": "timely-body", "value": 1}`;
        const [slow, timely] = [await Held.open(sut.url), await Held.open(sut.url)];
        try {
          slow.socket.write(postHead(slowBody));
          slow.trickle(slowBody, 100); // 13 s in all: it never finishes in time
          timely.socket.write(postHead(timelyBody));
          timely.trickle(timelyBody, 30); // about 1 s
          await allClosed([slow], slow.openedAt, requestMs + LATE_MS + 500);
          expectClosedAt([slow], requestMs, opened, 'a POST whose body came a byte every 0.1 s');
          const answers = slow.answers();
          assert.ok(
            answers.every((s) => s === 408),
            `the cut-off POST may get a 408 before the close, got ${answers.join(', ')}: ${JSON.stringify(slow.received.toString('latin1').slice(0, 300))}`,
          );
          assert.ok(
            await timely.answered(1, 5_000),
            `the POST whose body took about 1 s was not answered: ${JSON.stringify(timely.received.toString('latin1'))}`,
          );
          assert.deepStrictEqual(timely.answers(), [201], 'the POST whose body took about 1 s');
          assert.equal((await sut.get('slow-body')).status, 404, 'GET of the key whose body was cut off');
        } finally {
          release([slow, timely]);
        }
        await sut.stopCleanly();
      },
    },
    {
      name: "on a kept-alive connection the header timeout runs from the next request's first byte (--header-timeout 1500, --idle-timeout 5000)",
      timeoutMs: 20_000,
      async run(sut: ServerUnderTest) {
        const headerMs = 1_500;
        await sut.start({ headerTimeout: headerMs, idleTimeout: 5_000 });
        const conn = await Held.open(sut.url);
        try {
          conn.socket.write(GET_HEALTHZ);
          assert.ok(await conn.answered(1, 5_000), 'the first GET /healthz on the connection was not answered');
          await sleep(1_000); // idle, under the idle timeout
          const firstByte = Date.now();
          conn.trickle(`GET /healthz HTTP/1.1\r\n${HOST}\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`, 200);
          await allClosed([conn], firstByte, headerMs + LATE_MS + 500);
          // Go starts the clock once 4 bytes are in (0.6 s here): within the same bounds.
          const afterFirstByte = conn.closedAt === null ? null : conn.closedAt - firstByte;
          assert.ok(
            afterFirstByte !== null && afterFirstByte >= headerMs - EARLY_MS && afterFirstByte <= headerMs + LATE_MS,
            `the second request's headers came a byte every 0.2 s from 1 s after the first answer; expected the close ${(headerMs - EARLY_MS) / 1000}–${(headerMs + LATE_MS) / 1000} s after its first byte, got ${afterFirstByte === null ? 'none' : `${(afterFirstByte / 1000).toFixed(1)} s`}`,
          );
        } finally {
          conn.destroy();
        }
        await sut.stopCleanly();
      },
    },
  ],
};
