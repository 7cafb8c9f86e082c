import assert from 'node:assert/strict';
import type { CaseGroup, ConformanceCase } from '../case.js';
import { FAST_TIMERS } from '../case.js';
import { expectRejected, expectServing, expectValue, show, stats } from '../check.js';
import { sleep } from '../http.js';
import type { RawOutcome } from '../raw.js';
import type { ServerUnderTest } from '../server-under-test.js';

const MIB = 1024 * 1024;
const HOST = 'Host: 127.0.0.1';

type Bytes = string | Buffer;

/** A request written out by hand, bytes exactly as given. */
function raw(...parts: Bytes[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

/** A well-formed POST /kv around an arbitrary body, so that only the body is malformed. */
function postJson(body: Bytes, type: string | null = 'application/json'): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const typeLine = type === null ? '' : `Content-Type: ${type}\r\n`;
  return raw(`POST /kv HTTP/1.1\r\n${HOST}\r\n${typeLine}Content-Length: ${bytes.length}\r\n\r\n`, bytes);
}

function chunked(...chunks: string[]): string {
  return `POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunks.join('')}`;
}

const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

interface Malformed {
  name: string;
  bytes: () => Buffer | string;
  /**
   * `reject`: a 4xx answer or a closed connection (the rule for anything malformed). A number: exactly that
   * status, where the spec names one. `alsoOk`: statuses that are equally right by the RFCs for this request.
   */
  expect: 'reject' | number;
  alsoOk?: number[];
  /** Send EOF after the bytes: the request is incomplete and only the end of input tells the server so. */
  halfClose?: boolean;
  /** More checks once the answer is in (e.g. that what was stored can be read). */
  after?: (sut: ServerUnderTest, outcome: RawOutcome) => Promise<void>;
}

const deep = (levels: number) => `{"key": "deep", "value": ${'['.repeat(levels)}${']'.repeat(levels)}}`;

/** At least twenty kinds of broken request; each must leave the server alive and serving everyone else. */
export const MALFORMED: Malformed[] = [
  { name: 'a body that is not valid JSON', bytes: () => postJson('{"key": "m", "value": '), expect: 400 },
  {
    name: 'a truncated body (Content-Length 100, 20 bytes sent, then EOF)',
    bytes: () => raw(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"key": "m", "value"`),
    expect: 'reject',
    halfClose: true,
  },
  {
    name: 'a Content-Length smaller than the body',
    bytes: () => raw(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"key": "m", "value": 1}`),
    expect: 'reject',
  },
  {
    name: 'a non-numeric Content-Length',
    bytes: () => raw(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`),
    expect: 'reject',
  },
  {
    name: 'a negative Content-Length',
    bytes: () => raw(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n{}`),
    expect: 'reject',
  },
  {
    name: 'two different Content-Length headers',
    bytes: () =>
      raw(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: 24\r\nContent-Length: 5\r\n\r\n{"key": "m", "value": 1}`),
    expect: 'reject',
  },
  {
    // RFC 9112 §6.1: a server may reject this, or follow Transfer-Encoding alone.
    name: 'both Content-Length and Transfer-Encoding: chunked',
    bytes: () =>
      raw(
        `POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`,
        chunk('{"key": "te-and-cl", "value": 1}'),
        '0\r\n\r\n',
      ),
    expect: 'reject',
    alsoOk: [201],
  },
  {
    // RFC 9112 §6.1: a transfer coding the server does not understand is 501.
    name: 'an unknown Transfer-Encoding (gzip, without chunked)',
    bytes: () => raw(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\nxxxx`),
    expect: 'reject',
    alsoOk: [501],
    halfClose: true,
  },
  { name: 'a 2 MiB header', bytes: () => raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\nX-Big: ${'a'.repeat(2 * MIB)}\r\n\r\n`), expect: 'reject' },
  { name: 'a 2 MiB request target', bytes: () => raw(`GET /kv/${'a'.repeat(2 * MIB)} HTTP/1.1\r\n${HOST}\r\n\r\n`), expect: 'reject' },
  {
    name: '10 000 header fields',
    bytes: () => raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\n${Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`),
    expect: 'reject',
    alsoOk: [200],
  },
  {
    // RFC 9112 §3.2 says 400; a lenient server that answers is not broken by it.
    name: 'HTTP/1.1 without a Host header',
    bytes: () => raw('GET /healthz HTTP/1.1\r\n\r\n'),
    expect: 'reject',
    alsoOk: [200],
  },
  { name: 'an invalid method token', bytes: () => raw(`G(T /healthz HTTP/1.1\r\n${HOST}\r\n\r\n`), expect: 'reject' },
  { name: 'an unknown method', bytes: () => raw(`FROBNICATE /kv HTTP/1.1\r\n${HOST}\r\n\r\n`), expect: 'reject' },
  {
    name: 'random binary garbage',
    bytes: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    expect: 'reject',
    halfClose: true,
  },
  { name: 'an HTTP/0.9 request line', bytes: () => raw('GET /healthz\r\n'), expect: 'reject', halfClose: true },
  { name: 'a malformed HTTP version', bytes: () => raw(`GET /healthz HTTP/x.y\r\n${HOST}\r\n\r\n`), expect: 'reject', halfClose: true },
  { name: 'a header line without a colon', bytes: () => raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\nno colon here\r\n\r\n`), expect: 'reject' },
  { name: 'whitespace between a header name and its colon', bytes: () => raw(`GET /healthz HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n`), expect: 'reject' },
  { name: 'a NUL byte in a header value', bytes: () => raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\nX-Nul: a\0b\r\n\r\n`), expect: 'reject' },
  { name: 'a NUL byte in the request target', bytes: () => raw(`GET /kv/a\0b HTTP/1.1\r\n${HOST}\r\n\r\n`), expect: 'reject' },
  {
    name: 'headers that never end, then EOF',
    bytes: () => raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\nX-Partial: yes\r\n`),
    expect: 'reject',
    halfClose: true,
  },
  { name: 'a connection that sends nothing, then EOF', bytes: () => '', expect: 'reject', halfClose: true },
  { name: 'a body over 1 MiB with Content-Length', bytes: () => postJson(`{"key": "m-big", "value": "${'x'.repeat(MIB)}"}`), expect: 413 },
  {
    name: 'a valid chunked body',
    bytes: () => chunked(chunk('{"key": "chunked", '), chunk('"value": [1, 2]}'), '0\r\n\r\n'),
    expect: 201,
    after: (sut) => expectValue(sut, 'chunked', [1, 2], 'GET of the key sent chunked'),
  },
  { name: 'a chunked body with a bad chunk size', bytes: () => chunked('zz\r\n{"key": "m"}\r\n0\r\n\r\n'), expect: 'reject' },
  { name: 'a chunked body cut off mid-chunk, then EOF', bytes: () => chunked('40\r\n{"key": "m", "val'), expect: 'reject', halfClose: true },
  {
    name: 'a chunked body over 1 MiB',
    bytes: () => chunked(...Array.from({ length: 20 }, () => chunk('x'.repeat(64 * 1024))), '0\r\n\r\n'),
    expect: 'reject',
  },
  { name: 'a POST without Content-Type', bytes: () => postJson('{"key": "m", "value": 1}', null), expect: 415 },
  { name: 'a POST with Content-Type text/plain', bytes: () => postJson('{"key": "m", "value": 1}', 'text/plain'), expect: 415 },
  { name: 'a JSON array at the top level', bytes: () => postJson('[{"key": "m", "value": 1}]'), expect: 400 },
  { name: 'a JSON number at the top level', bytes: () => postJson('12345'), expect: 400 },
  { name: 'a JSON string at the top level', bytes: () => postJson('"{\\"key\\": \\"m\\", \\"value\\": 1}"'), expect: 400 },
  { name: 'an empty body', bytes: () => postJson(''), expect: 400 },
  {
    // The spec bounds values at 512 levels; a parser that recursed this deep would crash, not answer.
    name: 'JSON nested 100 000 levels deep',
    bytes: () => postJson(deep(100_000)),
    expect: 400,
    async after(sut) {
      await sleep(300); // a flush
      const res = await sut.get('deep');
      assert.equal(res.status, 404, `GET of the refused deeply nested value: ${show(res)}`);
    },
  },
  { name: 'a raw NUL byte inside a JSON string', bytes: () => postJson(raw('{"key": "m\0", "value": 1}')), expect: 400 },
  {
    // Not UTF-8 is not JSON (RFC 8259 §8.1); servers that decode leniently store U+FFFD instead.
    name: 'invalid UTF-8 in the key',
    bytes: () => postJson(raw('{"key": "bad-utf8-', Buffer.from([0xff, 0xfe, 0xc3]), '", "value": 1}')),
    expect: 400,
    alsoOk: [201],
  },
  {
    name: 'a lone surrogate escape in the key',
    bytes: () => postJson('{"key": "lone-\\ud800", "value": 1}'),
    expect: 400,
  },
  {
    // RFC 8259 §4: names SHOULD be unique; parsers differ on which one wins.
    name: 'duplicate "key" members',
    bytes: () => postJson('{"key": "dup-a", "key": "dup-b", "value": 1}'),
    expect: 400,
    alsoOk: [201],
  },
];

function judge(outcome: RawOutcome, m: Malformed): void {
  const what = m.name;
  if (outcome.status !== null && m.alsoOk?.includes(outcome.status)) return;
  if (m.expect === 'reject') return expectRejected(outcome, what);
  assert.ok(!outcome.timedOut, `${what}: no answer within the deadline, expected ${m.expect}`);
  const got = outcome.status === null ? 'the connection closed without an answer' : `${outcome.status}: ${JSON.stringify(outcome.response.slice(0, 300))}`;
  assert.equal(outcome.status, m.expect, `${what}: expected ${m.expect}, got ${got}`);
  if (m.expect >= 400) {
    const body = outcome.response.slice(outcome.response.indexOf('\r\n\r\n') + 4);
    assert.match(outcome.response, /\r\ncontent-type:\s*application\/json/i, `${what}: the ${m.expect} answer is not application/json: ${JSON.stringify(outcome.response.slice(0, 300))}`);
    assert.ok(/^\{"error":\s*"/.test(body.trim()), `${what}: the ${m.expect} body is not {"error": …}: ${JSON.stringify(body.slice(0, 200))}`);
  }
}

const malformedCase = (m: Malformed): ConformanceCase => ({
  name: `${m.name}: ${m.expect === 'reject' ? 'a 4xx or a closed connection' : m.expect}${m.alsoOk ? ` (or ${m.alsoOk.join('/')})` : ''}, and the server keeps serving`,
  async run(sut) {
    const outcome = await sut.raw(m.bytes(), { halfClose: m.halfClose, timeoutMs: 5_000 });
    judge(outcome, m);
    await m.after?.(sut, outcome);
    await expectServing(sut, `after ${m.name}`);
  },
});

/**
 * Every malformed request goes to one server, one after another, each on its own connection; the flush and sweep
 * run every 100 ms meanwhile, so whatever a bad request left in the store is also written to disk.
 */
export const malformedCases: CaseGroup = {
  name: 'malformed requests over raw sockets',
  shared: FAST_TIMERS,
  cases: [
    ...MALFORMED.map(malformedCase),
    {
      name: 'the server is still the same process after all of them, serving, with consistent /stats',
      async run(sut) {
        await sleep(300);
        assert.equal(sut.starts, 1, `the server died during the malformed requests and had to be started ${sut.starts - 1} more time(s); see the first failing case above`);
        await expectServing(sut, 'after every malformed request');
        await stats(sut);
      },
    },
  ],
};
