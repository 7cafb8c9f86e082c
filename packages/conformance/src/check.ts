import assert from 'node:assert/strict';
import type { HttpResponse } from './http.js';
import type { RawOutcome } from './raw.js';
import type { ServerUnderTest } from './server-under-test.js';

// Assertions on node:assert, not on a test framework's expect: the cases run under vitest here, and can run under
// the benchmark runner's own "verify before you measure" step without it.

/** The answer in a line, for failure messages. */
export function show(res: HttpResponse): string {
  const type = res.headers['content-type'] ?? '(no Content-Type)';
  return `${res.status} [${type}] ${JSON.stringify(res.text.slice(0, 300))}`;
}

export function expectStatus(res: HttpResponse, status: number, what: string): void {
  assert.equal(res.status, status, `${what}: expected status ${status}, got ${show(res)}`);
}

function isJsonType(res: HttpResponse): boolean {
  const type = res.headers['content-type'];
  return type !== undefined && type.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** A JSON body with Content-Type application/json, parsed. */
export function expectJsonBody(res: HttpResponse, what: string): unknown {
  assert.ok(isJsonType(res), `${what}: expected Content-Type application/json, got ${show(res)}`);
  try {
    return JSON.parse(res.text);
  } catch {
    assert.fail(`${what}: the body is not JSON: ${show(res)}`);
  }
}

/** The spec's error answer: this status, Content-Type application/json, body exactly `{"error": "<reason>"}`. */
export function expectError(res: HttpResponse, status: number, what: string): void {
  expectStatus(res, status, what);
  const body = expectJsonBody(res, what);
  const ok =
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Object.keys(body).join() === 'error' &&
    typeof (body as { error: unknown }).error === 'string' &&
    (body as { error: string }).error.length > 0;
  assert.ok(ok, `${what}: expected a body {"error": "<reason>"} and nothing else, got ${show(res)}`);
}

/** 201 with an empty body. */
export function expectCreated(res: HttpResponse, what: string): void {
  expectStatus(res, 201, what);
  assert.equal(res.body.length, 0, `${what}: expected an empty 201 body, got ${show(res)}`);
}

/** GET answers 200 `{"value": V}` with V equal to `value` after parsing. */
export async function expectValue(sut: ServerUnderTest, key: string, value: unknown, what = `GET ${JSON.stringify(key)}`): Promise<void> {
  const res = await sut.get(key);
  expectStatus(res, 200, what);
  const body = expectJsonBody(res, what);
  assert.ok(
    typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).join() === 'value',
    `${what}: expected a body {"value": V} and nothing else, got ${show(res)}`,
  );
  assert.deepStrictEqual((body as { value: unknown }).value, value, `${what}: the value read back differs from the one written`);
}

export async function expectMissing(sut: ServerUnderTest, key: string, what = `GET ${JSON.stringify(key)}`): Promise<void> {
  expectError(await sut.get(key), 404, what);
}

export async function put(sut: ServerUnderTest, key: string, value: unknown, ttl?: number | null): Promise<void> {
  const body: Record<string, unknown> = { key, value };
  if (ttl !== undefined) body.ttl = ttl;
  expectCreated(await sut.post(body), `POST ${JSON.stringify(body).slice(0, 200)}`);
}

/** /stats parsed and checked for shape: `{"keys": N, "shards": [n0, …]}` with the counts summing to N. */
export async function stats(sut: ServerUnderTest): Promise<{ keys: number; shards: number[] }> {
  const res = await sut.request('GET', '/stats');
  expectStatus(res, 200, 'GET /stats');
  const body = expectJsonBody(res, 'GET /stats') as { keys?: unknown; shards?: unknown };
  assert.ok(
    typeof body === 'object' && body !== null && Object.keys(body).sort().join() === 'keys,shards',
    `GET /stats: expected exactly {"keys": N, "shards": [...]}, got ${show(res)}`,
  );
  const { keys, shards } = body;
  assert.ok(Number.isInteger(keys) && (keys as number) >= 0, `GET /stats: keys is not a count: ${show(res)}`);
  assert.ok(Array.isArray(shards) && shards.every((n) => Number.isInteger(n) && n >= 0), `GET /stats: shards is not a list of counts: ${show(res)}`);
  const sum = (shards as number[]).reduce((a, b) => a + b, 0);
  assert.equal(sum, keys, `GET /stats: the shard counts sum to ${sum}, keys says ${String(keys)}: ${show(res)}`);
  return { keys: keys as number, shards: shards as number[] };
}

/** The malformed-request rule: a 4xx answer or a closed connection; never 2xx/3xx/5xx, never silence. */
export function expectRejected(outcome: RawOutcome, what: string): void {
  assert.ok(!outcome.timedOut, `${what}: the server neither answered nor closed the connection within the deadline`);
  if (outcome.status === null) {
    assert.ok(outcome.closed, `${what}: no answer`);
    return;
  }
  assert.ok(
    outcome.status >= 400 && outcome.status < 500,
    `${what}: expected a 4xx answer or a closed connection, got ${outcome.status}: ${JSON.stringify(outcome.response.slice(0, 300))}`,
  );
}

/** The server is alive and well: still running, /healthz answers, a fresh key can be written and read back. */
export async function expectServing(sut: ServerUnderTest, what: string): Promise<void> {
  assert.ok(sut.running, `${what}: the server process is gone (${describeProcessExit(sut)})${sut.stderrTail()}`);
  const health = await sut.request('GET', '/healthz');
  expectStatus(health, 200, `${what}: GET /healthz`);
  assert.deepStrictEqual(expectJsonBody(health, `${what}: GET /healthz`), { status: 'ok' }, `${what}: GET /healthz body`);
  const key = `alive-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  expectCreated(await sut.post({ key, value: { ok: true } }), `${what}: POST a fresh key`);
  await expectValue(sut, key, { ok: true }, `${what}: GET the fresh key`);
}

function describeProcessExit(sut: ServerUnderTest): string {
  const info = sut.process.exitInfo;
  if (!info) return 'exit not yet seen';
  return info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`;
}
