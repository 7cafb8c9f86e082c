import assert from 'node:assert/strict';
import http from 'node:http';
import { expectCreated, expectError, expectJsonBody, expectStatus, show } from './check.js';
import { keyPath, request, sleep, type HttpResponse, type RequestOptions } from './http.js';

/**
 * Verify, then measure: a fast subset of the conformance suite that the runner puts before a server's first measured
 * run (as TechEmpower's verification and HttpArena's validate step do), so that a server answering wrong is reported
 * and never ranked. It talks to a URL only, so it verifies servers kvbench did not start as well as its own.
 */
export interface VerifyTarget {
  url: string;
  /**
   * Stops the server (the kv-spec's flush-and-exit), starts it again with `--load` on the same directory and gives
   * its new URL. Absent where the runner cannot restart the server (a URL, a command without the kv-spec flags): the
   * reload check is then skipped, and the outcome says so.
   */
  reload?: () => Promise<string>;
}

export interface CheckOutcome {
  name: string;
  ok: boolean;
  /** The first thing the server answered wrong, with what it answered. */
  error?: string;
}

export interface VerifyOutcome {
  ok: boolean;
  durationMs: number;
  checks: CheckOutcome[];
  /** Checks not run, each with why. */
  skipped: string[];
}

/** The requests a check sends, against whichever URL the server answers at now (it moves on a reload). */
export interface VerifyApi {
  request(method: string, path: string, options?: RequestOptions): Promise<HttpResponse>;
  post(body: object | string, options?: RequestOptions): Promise<HttpResponse>;
  get(key: string): Promise<HttpResponse>;
  reload?: () => Promise<void>;
}

interface VerifyCheck {
  name: string;
  needsReload?: boolean;
  run(api: VerifyApi): Promise<void>;
}

/** A key of this verification alone, so a check never reads another's writes. */
const fresh = (what: string) => `verify-${what}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

async function roundTrip(api: VerifyApi, key: string, value: unknown, what: string): Promise<void> {
  expectCreated(await api.post({ key, value }), `${what}: POST`);
  const res = await api.get(key);
  expectStatus(res, 200, `${what}: GET`);
  const body = expectJsonBody(res, `${what}: GET`);
  const expected = JSON.stringify({ value });
  if (JSON.stringify(body) !== expected) throw new Error(`${what}: GET answered ${show(res)}, expected ${expected}`);
}

export const VERIFY_CHECKS: readonly VerifyCheck[] = [
  {
    name: 'healthz',
    async run(api) {
      const res = await api.request('GET', '/healthz');
      expectStatus(res, 200, 'GET /healthz');
      const body = expectJsonBody(res, 'GET /healthz');
      if (JSON.stringify(body) !== '{"status":"ok"}') throw new Error(`GET /healthz: expected {"status":"ok"}, got ${show(res)}`);
    },
  },
  {
    name: 'round trip',
    run: (api) => roundTrip(api, fresh('round-trip'), { n: 1, list: [true, null, 'x'], s: 'é ✓' }, 'round trip'),
  },
  {
    name: 'status codes and error bodies',
    async run(api) {
      expectError(await api.get(fresh('missing')), 404, 'GET of a key never written');
      expectError(await api.post('{"key": "x", "value": '), 400, 'POST of broken JSON');
      expectError(await api.post({ value: 1 }), 400, 'POST without a key');
      expectError(await api.post({ key: 'x', value: 1, ttl: -1 }), 400, 'POST with a negative ttl');
      expectError(await api.post({ key: 'x', value: 1 }, { headers: { 'Content-Type': 'text/plain' } }), 415, 'POST as text/plain');
    },
  },
  {
    name: 'percent-decoding',
    async run(api) {
      const key = `${fresh('decode')}/a b%é`;
      await roundTrip(api, key, 7, 'a key with "/", " ", "%" and "é"');
      const raw = await api.request('GET', `/kv/${key.split('/')[0]}%2Fa%20b%25%C3%A9`);
      expectStatus(raw, 200, 'GET with the key percent-encoded by hand');
    },
  },
  {
    name: 'expiry',
    async run(api) {
      const key = fresh('ttl');
      expectCreated(await api.post({ key, value: 1, ttl: 0.3 }), 'POST with ttl 0.3 s');
      expectStatus(await api.get(key), 200, 'GET at once after a 0.3 s ttl');
      await sleep(600);
      expectError(await api.get(key), 404, 'GET 0.6 s after a 0.3 s ttl');
    },
  },
  {
    name: 'flush and reload',
    needsReload: true,
    async run(api) {
      const key = fresh('reload');
      expectCreated(await api.post({ key, value: { kept: true } }), 'POST before the restart');
      await api.reload!();
      const res = await api.get(key);
      expectStatus(res, 200, 'GET after SIGTERM and a restart with --load');
      const body = expectJsonBody(res, 'GET after the restart');
      if (JSON.stringify(body) !== '{"value":{"kept":true}}') throw new Error(`GET after the restart answered ${show(res)}`);
    },
  },
];

/**
 * Runs every check once, in order, each bounded by `checkTimeoutMs` per request; a check that fails does not stop
 * the others, so the outcome lists everything that is wrong at once.
 */
export async function verifyServer(target: VerifyTarget, checkTimeoutMs = 3000): Promise<VerifyOutcome> {
  const started = performance.now();
  let url = target.url;
  let agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const send = (method: string, path: string, options: RequestOptions = {}) => request(url, method, path, { agent, timeoutMs: checkTimeoutMs, ...options });
  const api: VerifyApi = {
    request: send,
    post: (body, options = {}) => send('POST', '/kv', { ...options, body }),
    get: (key) => send('GET', keyPath(key)),
    ...(target.reload
      ? {
          reload: async () => {
            agent.destroy();
            url = await target.reload!();
            agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
          },
        }
      : {}),
  };
  const checks: CheckOutcome[] = [];
  const skipped: string[] = [];
  let unreachable = false;
  try {
    for (const check of VERIFY_CHECKS) {
      if (check.needsReload && !api.reload) {
        skipped.push(`${check.name}: kvbench cannot restart this server with --load (it did not start it with the kv-spec flags)`);
        continue;
      }
      if (unreachable) {
        skipped.push(`${check.name}: not run, the server did not answer`);
        continue;
      }
      try {
        await check.run(api);
        checks.push({ name: check.name, ok: true });
      } catch (error) {
        checks.push({ name: check.name, ok: false, error: (error as Error).message.split('\n')[0]! });
        // A wrong answer is the check's finding; no answer at all (refused, reset, timed out) is the server's state,
        // and every later check would say the same.
        unreachable = !(error instanceof assert.AssertionError);
      }
    }
  } finally {
    agent.destroy();
  }
  return { ok: checks.every((c) => c.ok), durationMs: performance.now() - started, checks, skipped };
}
