import assert from 'node:assert/strict';
import type { CaseGroup, ConformanceCase } from '../case.js';
import { FAST_TIMERS } from '../case.js';
import { expectMissing, expectRejected, expectServing, expectValue, show, stats } from '../check.js';
import { sleep } from '../http.js';
import type { RawOutcome } from '../raw.js';
import type { ServerUnderTest } from '../server-under-test.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const HOST = 'Host: 127.0.0.1';
const GET_HEALTHZ = `GET /healthz HTTP/1.1\r\n${HOST}\r\n\r\n`;

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

/** GET /healthz with `count` header field lines, Host the first of them. */
const fields = (count: number) => raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\n${Array.from({ length: count - 1 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`);

/** GET /healthz with a request-target exactly `length` bytes long (the query pads it). */
const target = (length: number) => raw(`GET /healthz?pad=${'a'.repeat(length - '/healthz?pad='.length)} HTTP/1.1\r\n${HOST}\r\n\r\n`);

/** GET /healthz with one header field whose value is `bytes` long. */
const bigHeader = (bytes: number) => raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\nX-Big: ${'a'.repeat(bytes)}\r\n\r\n`);

interface Malformed {
  name: string;
  bytes: () => Buffer | string;
  /**
   * `reject`: a 4xx answer or a closed connection (the rule for anything malformed). A number: exactly that
   * status, where the spec names one.
   */
  expect: 'reject' | number;
  /** Send EOF after the bytes: the request is incomplete and only the end of input tells the server so. */
  halfClose?: boolean;
  /**
   * The server closes the connection after its answer: a `GET /healthz` pipelined behind the request gets none.
   * (docs/kv-spec.md, "Protocol edges".)
   */
  closes?: boolean;
  /**
   * Servers (by manifest name) whose HTTP stack gives another answer the RFCs also allow, where the spec's would take
   * unreasonable work in that stack; each with the answer it gives and why.
   */
  servers?: Record<string, { expect: number; because: string }>;
  /** More checks once the answer is in (e.g. that what was stored can be read). */
  after?: (sut: ServerUnderTest, outcome: RawOutcome) => Promise<void>;
}

/** No key the server holds starts with `prefix` (a key it decoded leniently would, with U+FFFD after it). */
async function expectMissingLike(sut: ServerUnderTest, prefix: string): Promise<void> {
  for (const key of [prefix, `${prefix}\ufffd\ufffd\ufffd`, `${prefix}\ufffd`])
    await expectMissing(sut, key, `GET ${JSON.stringify(key)} after a body that is not UTF-8`);
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
    // RFC 9112 §6.1: a server may refuse this or read the body by Transfer-Encoding alone; either way it must close
    // the connection after answering, as the request may be smuggling another one.
    name: 'both Content-Length and Transfer-Encoding: chunked',
    bytes: () =>
      raw(
        `POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`,
        chunk('{"key": "te-and-cl", "value": 1}'),
        '0\r\n\r\n',
      ),
    expect: 400,
    closes: true,
    servers: {
      go: {
        expect: 201,
        because:
          'net/http reads the body by Transfer-Encoding and drops the Content-Length before any handler runs, so no handler can tell this request from a plain chunked one; the Go server closes the connection after every chunked request instead',
      },
      rust: {
        expect: 201,
        because: 'hyper reads the body by Transfer-Encoding, drops the Content-Length before the service sees it, and closes the connection itself',
      },
    },
  },
  {
    // RFC 9112 §6.1: a transfer coding the server does not understand is 501.
    name: 'an unknown Transfer-Encoding (gzip, without chunked)',
    bytes: () => raw(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\nxxxx`),
    // RFC 9112 §6.3: without chunked as the final coding the body's length is unknown: 400, then close.
    expect: 400,
    halfClose: true,
  },
  // The protocol edges of docs/kv-spec.md: one answer each, and the connection closed after it.
  { name: '100 header fields, Host included', bytes: () => fields(100), expect: 200 },
  { name: '101 header fields (1 KiB in all)', bytes: () => fields(101), expect: 431, closes: true },
  { name: '10 000 header fields', bytes: () => fields(10_000), expect: 431, closes: true },
  { name: 'a 12 KiB header', bytes: () => bigHeader(12 * KIB), expect: 200 },
  { name: 'a 24 KiB header', bytes: () => bigHeader(24 * KIB), expect: 431, closes: true },
  { name: 'a 2 MiB header', bytes: () => bigHeader(2 * MIB), expect: 431, closes: true },
  { name: 'a request target of 8192 bytes', bytes: () => target(8192), expect: 200 },
  { name: 'a request target of 8193 bytes', bytes: () => target(8193), expect: 414, closes: true },
  {
    // The target does not end within the 16 KiB head limit, which the request line counts towards in every server.
    name: 'a request target of 1 MB',
    bytes: () => raw(`GET /kv/${'a'.repeat(1_000_000)} HTTP/1.1\r\n${HOST}\r\n\r\n`),
    expect: 431,
    closes: true,
  },
  // RFC 9112 §3.2.
  { name: 'HTTP/1.1 without a Host header', bytes: () => raw('GET /healthz HTTP/1.1\r\n\r\n'), expect: 400, closes: true },
  { name: 'HTTP/1.1 with two Host headers', bytes: () => raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\n${HOST}\r\n\r\n`), expect: 400, closes: true },
  { name: 'an HTTP/2 prior-knowledge preface', bytes: () => raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), expect: 400, closes: true },
  { name: 'an HTTP/0.9 request line (no version)', bytes: () => raw('GET /healthz\r\n\r\n'), expect: 400, closes: true },
  {
    name: 'Expect: 100-continue with a Content-Length of 100 MB',
    bytes: () => raw(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1000 * 1000}\r\nExpect: 100-continue\r\n\r\n`),
    expect: 413,
    closes: true,
    async after(_, outcome) {
      assert.doesNotMatch(outcome.response, /^HTTP\/1\.1 100/, 'the server invited the 100 MB body (100 Continue) before refusing it');
    },
  },
  { name: 'an invalid method token', bytes: () => raw(`G(T /healthz HTTP/1.1\r\n${HOST}\r\n\r\n`), expect: 'reject' },
  { name: 'an unknown method', bytes: () => raw(`FROBNICATE /kv HTTP/1.1\r\n${HOST}\r\n\r\n`), expect: 'reject' },
  {
    name: 'random binary garbage',
    bytes: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    expect: 'reject',
    halfClose: true,
  },
  { name: 'an HTTP/0.9 request line, then EOF', bytes: () => raw('GET /healthz\r\n'), expect: 'reject', halfClose: true },
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
    // Not UTF-8 is not JSON (RFC 8259 §8.1): 400, rather than storing U+FFFD, a silent rewrite of the client's key.
    name: 'invalid UTF-8 in the key',
    bytes: () => postJson(raw('{"key": "bad-utf8-', Buffer.from([0xff, 0xfe, 0xc3]), '", "value": 1}')),
    expect: 400,
    after: (sut) => expectMissingLike(sut, 'bad-utf8-'),
  },
  {
    name: 'invalid UTF-8 in a string inside the value',
    bytes: () => postJson(raw('{"key": "bad-utf8-value", "value": ["', Buffer.from([0xed, 0xa0, 0x80]), '"]}')),
    expect: 400,
    after: (sut) => expectMissingLike(sut, 'bad-utf8-value'),
  },
  {
    name: 'a lone surrogate escape in the key',
    bytes: () => postJson('{"key": "lone-\\ud800", "value": 1}'),
    expect: 400,
  },
  {
    // RFC 8259 §4: names SHOULD be unique, and parsers differ on which one wins: the spec refuses to guess.
    name: 'duplicate "key" members',
    bytes: () => postJson('{"key": "dup-a", "key": "dup-b", "value": 1}'),
    expect: 400,
    async after(sut) {
      await expectMissing(sut, 'dup-a', 'GET of the first of two "key" members');
      await expectMissing(sut, 'dup-b', 'GET of the second of two "key" members');
    },
  },
  {
    name: 'duplicate "value" members, one spelled with an escape',
    bytes: () => postJson('{"key": "dup-value", "value": 1, "\\u0076alue": 2}'),
    expect: 400,
    after: (sut) => expectMissing(sut, 'dup-value', 'GET of a key sent with two "value" members'),
  },
  {
    name: 'duplicate "ttl" members',
    bytes: () => postJson('{"key": "dup-ttl", "value": 1, "ttl": 60, "ttl": null}'),
    expect: 400,
    after: (sut) => expectMissing(sut, 'dup-ttl', 'GET of a key sent with two "ttl" members'),
  },
];

function judge(outcome: RawOutcome, m: Malformed, server: string): void {
  const difference = m.servers?.[server];
  const expect = difference?.expect ?? m.expect;
  const what = difference ? `${m.name} (${server} answers ${expect}: ${difference.because})` : m.name;
  if (expect === 'reject') return expectRejected(outcome, what);
  assert.ok(!outcome.timedOut, `${what}: no answer within the deadline, expected ${expect}`);
  const got = outcome.status === null ? 'the connection closed without an answer' : `${outcome.status}: ${JSON.stringify(outcome.response.slice(0, 300))}`;
  assert.equal(outcome.status, expect, `${what}: expected ${expect}, got ${got}`);
  if (expect >= 400) {
    const body = outcome.response.slice(outcome.response.indexOf('\r\n\r\n') + 4);
    assert.match(
      outcome.response,
      /\r\ncontent-type:\s*application\/json/i,
      `${what}: the ${expect} answer is not application/json: ${JSON.stringify(outcome.response.slice(0, 300))}`,
    );
    assert.ok(/^\{"error":\s*"/.test(body.trim()), `${what}: the ${expect} body is not {"error": …}: ${JSON.stringify(body.slice(0, 200))}`);
  }
  if (m.closes) {
    assert.ok(
      outcome.statuses.length === 1 && outcome.closed,
      `${what}: the connection should close after the answer, but ${outcome.closed ? 'a request pipelined behind it was answered too' : 'it stayed open'}: ${JSON.stringify(outcome.response.slice(0, 600))}`,
    );
  }
}

function describeAnswer(m: Malformed): string {
  const answer = m.expect === 'reject' ? 'a 4xx or a closed connection' : String(m.expect);
  const closes = m.closes ? ', then the connection closed' : '';
  const servers = Object.entries(m.servers ?? {})
    .map(([name, d]) => `; ${name}: ${d.expect}`)
    .join('');
  return `${answer}${closes}${servers}`;
}

const malformedCase = (m: Malformed): ConformanceCase => ({
  name: `${m.name}: ${describeAnswer(m)}, and the server keeps serving`,
  async run(sut) {
    // With `closes`, a second request rides behind the first to show whether the connection stayed open.
    const bytes = m.closes ? raw(m.bytes(), GET_HEALTHZ) : m.bytes();
    const outcome = await sut.raw(bytes, { halfClose: m.halfClose, timeoutMs: 5_000, responses: m.closes ? 2 : 1 });
    judge(outcome, m, sut.name);
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
        assert.equal(
          sut.starts,
          1,
          `the server died during the malformed requests and had to be started ${sut.starts - 1} more time(s); see the first failing case above`,
        );
        await expectServing(sut, 'after every malformed request');
        await stats(sut);
      },
    },
  ],
};
