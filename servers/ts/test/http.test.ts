import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_TIMEOUTS } from '../src/cli.js';
import { createKvServer, duplicateMember, isJsonContentType, MAX_BODY_BYTES, validatePut } from '../src/http.js';
import { Store } from '../src/store.js';

let store: Store;
let server: ReturnType<typeof createKvServer>;
let base: string;
let port: number;

beforeAll(async () => {
  store = new Store(5);
  server = createKvServer(store, DEFAULT_TIMEOUTS);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  for (const shard of store.shards) shard.entries.clear();
});

async function post(body: string, contentType: string | null = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  // A Uint8Array body, so fetch adds no Content-Type of its own.
  return fetch(`${base}/kv`, { method: 'POST', headers, body: new TextEncoder().encode(body) });
}

async function expectError(res: Response, status: number, reason?: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  const body = (await res.json()) as { error?: unknown };
  expect(typeof body.error).toBe('string');
  if (reason) expect(body.error).toMatch(reason);
}

/** Sends raw bytes on a fresh connection and collects everything the server sends until it closes or goes quiet. */
function raw(data: string | Buffer, quietMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    socket.on('close', done);
    socket.on('error', (err) => (received ? done() : reject(err)));
    socket.write(data);
    timer = setTimeout(done, quietMs * 3);
  });
}

describe('POST /kv', () => {
  it('stores the value and answers 201 with an empty body', async () => {
    const res = await post('{"key":"key-42","value":17,"ttl":1.5}');
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('');
    expect(res.headers.get('content-length')).toBe('0');
    expect(store.get('key-42')?.value).toBe(JSON.stringify(17));
    expect(store.get('key-42')?.ttl).toBe(1500);
  });

  it.each([
    ['null', null],
    ['an object', { a: [1, 'b', null] }],
    ['a string', 'text'],
    ['false', false],
  ])('accepts %s as a value', async (_what, value) => {
    const res = await post(JSON.stringify({ key: 'k', value }));
    expect(res.status).toBe(201);
    expect(store.get('k')?.value).toEqual(JSON.stringify(value));
  });

  it('keeps the value as its compact JSON text, whitespace of the body dropped', async () => {
    expect((await post('{"key":"k","value": [ 1, {"a" : "x y"} ] }')).status).toBe(201);
    expect(store.get('k')?.value).toBe('[1,{"a":"x y"}]');
  });

  it('accepts an absent ttl, a null ttl and a fractional one', async () => {
    for (const ttl of [undefined, null, 0.5]) {
      expect((await post(JSON.stringify({ key: 'k', value: 1, ttl }))).status).toBe(201);
    }
  });

  it('accepts Content-Type parameters and any letter case', async () => {
    expect((await post('{"key":"k","value":1}', 'application/json; charset=utf-8')).status).toBe(201);
    expect((await post('{"key":"k","value":1}', 'Application/JSON')).status).toBe(201);
  });

  it('answers 415 to a missing or non-JSON Content-Type', async () => {
    await expectError(await post('{"key":"k","value":1}', null), 415);
    await expectError(await post('{"key":"k","value":1}', 'text/plain'), 415);
    await expectError(await post('{"key":"k","value":1}', 'application/jsonx'), 415);
  });

  it('answers 400 to a body that is not JSON', async () => {
    await expectError(await post('{"key":"k",'), 400, /not valid JSON/);
    await expectError(await post(''), 400, /not valid JSON/);
  });

  it.each([
    ['an array', '[1]', /JSON object/],
    ['a missing key', '{"value":1}', /key is required/],
    ['an empty key', '{"key":"","value":1}', /must not be empty/],
    ['a numeric key', '{"key":1,"value":1}', /must be a string/],
    ['a null key', '{"key":null,"value":1}', /must be a string/],
    ['a missing value', '{"key":"k"}', /value is required/],
    ['ttl 0', '{"key":"k","value":1,"ttl":0}', /ttl/],
    ['a negative ttl', '{"key":"k","value":1,"ttl":-1}', /ttl/],
    ['a string ttl', '{"key":"k","value":1,"ttl":"1"}', /ttl/],
    ['an infinite ttl', '{"key":"k","value":1,"ttl":1e999}', /ttl/],
    ['an unknown field', '{"key":"k","value":1,"extra":true}', /unknown field "extra"/],
    ['a __proto__ field', '{"key":"k","value":1,"__proto__":{}}', /unknown field "__proto__"/],
  ])('answers 400 to %s', async (_what, body, reason) => {
    await expectError(await post(body), 400, reason);
    expect(store.stats().keys).toBe(0);
  });

  it('accepts a value nested 512 levels deep and refuses 513, or 100 000, without falling over', async () => {
    const nested = (depth: number): string => `{"key":"deep","value":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    expect((await post(nested(512))).status).toBe(201);
    expect((await fetch(`${base}/kv/deep`)).status).toBe(200);
    await expectError(await post(nested(513)), 400, /nested more than 512 levels/);
    await expectError(await post(nested(100_000)), 400, /nested more than 512 levels/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  describe('nesting and lone surrogates, so that every server can load what this one wrote', () => {
    /** A value `depth` levels deep, arrays and objects alternating, a string at the bottom. */
    const nestedValue = (depth: number): string => {
      let value = '"bottom"';
      for (let i = 0; i < depth; i++) value = i % 2 === 0 ? `[${value}]` : `{"level${i}":${value}}`;
      return value;
    };

    it('accepts a value of exactly 512 levels, arrays and objects mixed, and serves it back', async () => {
      const value = nestedValue(512);
      expect((await post(`{"key":"deep-512","value":${value}}`)).status).toBe(201);
      expect(await (await fetch(`${base}/kv/deep-512`)).text()).toBe(`{"value":${value}}`);
    });

    it('refuses 513 levels with a 400 that says so', async () => {
      const res = await post(`{"key":"deep-513","value":${nestedValue(513)}}`);
      await expectError(res, 400, /nested more than 512 levels/);
      expect(store.stats().keys).toBe(0);
    });

    it.each([
      ['a lone high surrogate in the key', '{"key":"lone-\\ud800","value":1}', /key holds a lone UTF-16 .* \\ud800/],
      ['a lone low surrogate in the key', '{"key":"lone-\\uDC00","value":1}', /key holds a lone UTF-16 .* \\udc00/],
      ['a lone high surrogate deep in the value', '{"key":"k","value":{"a":[1,"x\\ud800"]}}', /value holds .* \\ud800/],
      ['a lone low surrogate deep in the value', '{"key":"k","value":{"a":[1,"x\\udc00"]}}', /value holds .* \\udc00/],
      ['a lone surrogate in a nested member name', '{"key":"k","value":{"a":{"\\ud800":1}}}', /value holds .* \\ud800/],
      ['a pair in the wrong order', '{"key":"k","value":"\\ude00\\ud83d"}', /value holds .* \\ude00/],
      ['a lone surrogate in a long body', `{"key":"k","value":["${'x'.repeat(2000)}","\\ud800"]}`, /\\ud800/],
    ])('refuses %s with a 400 that says so', async (_what, body, reason) => {
      await expectError(await post(body), 400, reason);
      expect(store.stats().keys).toBe(0);
    });

    it('accepts a valid surrogate pair (an emoji written as escapes) in the key and in a nested string', async () => {
      expect((await post('{"key":"pair-\\ud83d\\ude00","value":{"a":["x \\ud83d\\ude00"]}}')).status).toBe(201);
      const res = await fetch(`${base}/kv/${encodeURIComponent('pair-😀')}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ value: { a: ['x 😀'] } });
    });
  });

  it('accepts a key of exactly 1024 UTF-8 bytes and refuses one of 1025', async () => {
    expect((await post(JSON.stringify({ key: 'é'.repeat(512), value: 1 }))).status).toBe(201);
    await expectError(await post(JSON.stringify({ key: `${'é'.repeat(512)}a`, value: 1 })), 400, /1024 UTF-8 bytes/);
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const body = JSON.stringify({ key: 'big', value: 'x'.repeat(MAX_BODY_BYTES - 24) });
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    expect((await post(body)).status).toBe(201);
  });

  it('answers 413 from the declared length, before the body is sent, and closes the connection', async () => {
    const reply = await raw(`POST /kv HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply).toMatch(/\r\nConnection: close\r\n/i);
    expect(reply).toMatch(/\{"error":".*"\}$/);
  });

  it('answers 413 as soon as a chunked body passes 1 MiB, and keeps serving', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    let request = 'POST /kv HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.length) {
      request += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    }
    const reply = await raw(request);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('refuses an oversized body announced with Expect: 100-continue without asking for it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/kv`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': MAX_BODY_BYTES * 2, expect: '100-continue' },
      });
      req.on('continue', () => reject(new Error('server asked for the body')));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it('asks for a small body announced with Expect: 100-continue, then stores it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const body = '{"key":"k","value":"v"}';
      const req = httpRequest(`${base}/kv`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, expect: '100-continue' },
      });
      req.on('continue', () => req.end(body));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(201);
    expect(store.get('k')?.value).toBe(JSON.stringify('v'));
  });
});

describe('GET /kv/{key}', () => {
  it('answers 200 {"value": V}', async () => {
    store.put('k', JSON.stringify({ a: 1 }), -1);
    const res = await fetch(`${base}/kv/k`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ value: { a: 1 } });
  });

  it('sends the stored text as it is, without serializing a value again', async () => {
    store.put('k', '[1.50,"\\u00e9"]', -1); // not what JSON.stringify would make of it: proof that GET copies
    expect(await (await fetch(`${base}/kv/k`)).text()).toBe('{"value":[1.50,"\\u00e9"]}');
  });

  it('returns a null value as {"value":null}', async () => {
    store.put('k', JSON.stringify(null), -1);
    expect(await (await fetch(`${base}/kv/k`)).text()).toBe('{"value":null}');
  });

  it('percent-decodes the key, so a%2Fb reads the key a/b', async () => {
    store.put('a/b', JSON.stringify(1), -1);
    store.put('ü ?', JSON.stringify(2), -1);
    expect(await (await fetch(`${base}/kv/a%2Fb`)).json()).toEqual({ value: 1 });
    expect(await (await fetch(`${base}/kv/${encodeURIComponent('ü ?')}`)).json()).toEqual({ value: 2 });
  });

  it('answers 404 for a missing key and for an expired one not yet swept', async () => {
    store.put('old', JSON.stringify(1), 10, Date.now() - 1000);
    await expectError(await fetch(`${base}/kv/missing`), 404);
    await expectError(await fetch(`${base}/kv/old`), 404);
    expect(store.stats().keys).toBe(1);
  });

  it('answers 400 to bad percent-encoding', async () => {
    await expectError(await fetch(`${base}/kv/a%2`), 400, /percent/);
    await expectError(await fetch(`${base}/kv/%FF`), 400, /percent/);
  });
});

describe('DELETE /kv/{key}', () => {
  it('answers 204 whether or not the key existed', async () => {
    store.put('a/b', JSON.stringify(1), -1);
    const res = await fetch(`${base}/kv/a%2Fb`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(store.get('a/b')).toBeUndefined();
    expect((await fetch(`${base}/kv/a%2Fb`, { method: 'DELETE' })).status).toBe(204);
  });

  it('answers 400 to bad percent-encoding', async () => {
    await expectError(await fetch(`${base}/kv/%E0%A4%A`, { method: 'DELETE' }), 400);
  });
});

describe('GET /healthz and GET /stats', () => {
  it('reports health', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('counts entries per shard, expired ones not yet swept included', async () => {
    store.put('key-1', JSON.stringify(1), -1);
    store.put('key-42', JSON.stringify(1), 10, Date.now() - 1000);
    const res = await fetch(`${base}/stats`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ keys: 2, shards: [0, 0, 0, 1, 1] });
  });
});

describe('routing', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/nope'],
    ['GET', '/kv/'],
    ['GET', '/kv/a/b'],
    ['POST', '/kvx'],
    ['GET', '/healthz/extra'],
  ])('answers 404 to %s %s', async (method, path) => {
    await expectError(await fetch(`${base}${path}`, { method }), 404);
  });

  it.each([
    ['GET', '/kv', 'POST'],
    ['DELETE', '/kv', 'POST'],
    ['PUT', '/kv/k', 'GET, HEAD, DELETE'],
    ['POST', '/kv/k', 'GET, HEAD, DELETE'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['DELETE', '/stats', 'GET, HEAD'],
  ])('answers 405 to %s %s, with Allow: %s', async (method, path, allow) => {
    const res = await fetch(`${base}${path}`, { method });
    await expectError(res, 405);
    expect(res.headers.get('allow')).toBe(allow);
  });

  it('ignores a query string', async () => {
    expect((await fetch(`${base}/healthz?x=1`)).status).toBe(200);
  });

  it('serves several requests on one keep-alive connection, pipelined', async () => {
    const reply = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /stats HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(reply.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    // HTTP/1.1 is persistent by default: no Connection or Keep-Alive header, as from Go and Rust.
    expect(reply).not.toMatch(/\r\n(connection|keep-alive):/i);
  });

  it('tells an HTTP/1.0 keep-alive client that the connection stays open, and no more', async () => {
    const reply = await raw('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n');
    expect(reply.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(reply).toMatch(/\r\nConnection: keep-alive\r\n/);
    expect(reply).not.toMatch(/\r\nKeep-Alive:/i);
  });

  it('refuses a body that is not UTF-8 with 400, storing nothing', async () => {
    const body = Buffer.concat([Buffer.from('{"key": "bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('", "value": 1}')]);
    const res = await fetch(`${base}/kv`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await expectError(res, 400, /UTF-8/);
    expect(store.stats().keys).toBe(0);
  });

  it('refuses duplicate member names with 400, however they are spelled', async () => {
    await expectError(await post('{"key": "a", "key": "b", "value": 1}'), 400, /duplicate field "key"/);
    await expectError(await post('{"key": "a", "value": 1, "\\u0076alue": 2}'), 400, /duplicate field "value"/);
    expect(store.stats().keys).toBe(0);
    expect((await post('{"key": "key", "value": {"key": "value", "ttl": "ttl"}}')).status).toBe(201);
  });

  it('applies pipelined requests in order: a GET right behind a POST sees its write', async () => {
    const body = '{"key":"piped","value":"p"}';
    const put = 'POST /kv HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' + `Content-Length: ${body.length}\r\n\r\n${body}`;
    const get = 'GET /kv/piped HTTP/1.1\r\nHost: x\r\n\r\n';
    const del = 'DELETE /kv/piped HTTP/1.1\r\nHost: x\r\n\r\n';
    const reply = await raw(put + get + put + put + get + del + get);
    const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([201, 200, 201, 201, 200, 204, 404]);
  });

  it('answers a malformed request with 400 JSON and closes it, and keeps serving others', async () => {
    const reply = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toMatch(/Content-Type: application\/json/);
    expect(reply).toMatch(/\{"error":"malformed HTTP request"\}$/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('survives a client that vanishes in the middle of a body', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /kv HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ke');
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('request heads the spec refuses though node:http takes them', () => {
  const fields = (count: number) => `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: count - 1 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`;
  const target = (length: number) => `GET /healthz?p=${'a'.repeat(length - '/healthz?p='.length)} HTTP/1.1\r\nHost: x\r\n\r\n`;

  it.each([
    ['101 header fields', fields(101), /^HTTP\/1\.1 431 .*more than 100 header fields/s],
    ['a request target of 8193 bytes', target(8193), /^HTTP\/1\.1 414 .*longer than 8192 bytes/s],
    ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 400 .*exactly one Host header/s],
    ['HTTP/1.1 with two Host headers', 'GET /healthz HTTP/1.1\r\nHost: x\r\nhost: y\r\n\r\n', /^HTTP\/1\.1 400 .*exactly one Host/s],
    ['an HTTP/0.9 request line', 'GET /healthz\r\n\r\n', /^HTTP\/1\.1 400 .*only HTTP\/1\.0 and HTTP\/1\.1/s],
  ])('answers %s with JSON, once, and closes the connection', async (_, request, answer) => {
    // A request pipelined behind it gets no answer of its own.
    const received = await raw(`${request}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(received).toMatch(answer);
    expect(received).toMatch(/\r\nContent-Type: application\/json\r\n/);
    expect(received).toMatch(/\r\nConnection: close\r\n/);
    expect(received.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
  });

  it('takes 100 header fields, a request target of 8192 bytes, and HTTP/1.0 without Host', async () => {
    for (const request of [fields(100), target(8192), 'GET /healthz HTTP/1.0\r\n\r\n']) {
      expect(await raw(request)).toMatch(/^HTTP\/1\.1 200 /);
    }
  });

  it('answers a head over 16 KiB with 431', async () => {
    expect(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(24 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe('validatePut', () => {
  it('accepts the three known fields and nothing else', () => {
    expect(validatePut({ key: 'k', value: 1 })).toBeUndefined();
    expect(validatePut({ key: 'k', value: null, ttl: null })).toBeUndefined();
    expect(validatePut({ key: 'k', value: 1, ttl: 0.001 })).toBeUndefined();
    expect(validatePut({ key: 'k', value: 1, other: 1 })).toMatch(/unknown field/);
    expect(validatePut({ key: 'k', value: 1, ttl: Number.NaN })).toMatch(/ttl/);
    expect(validatePut('k')).toMatch(/JSON object/);
    // Without the body text, every check runs.
    expect(validatePut({ key: 'k\ud800', value: 1 })).toMatch(/key holds a lone UTF-16 surrogate escape \\ud800/);
    expect(validatePut({ key: 'k', value: ['\udc00'] })).toMatch(/value holds .* \\udc00/);
    expect(validatePut({ key: '\ud83d\ude00', value: ['\ud83d\ude00'] })).toBeUndefined();
  });
});

describe('duplicateMember', () => {
  it('finds a top-level name given twice, and only at the top level', () => {
    expect(duplicateMember('{"key":"k","value":1}')).toBeUndefined();
    expect(duplicateMember('{"key":"k","key":"j","value":1}')).toBe('key');
    expect(duplicateMember('{ "ttl" : 1 , "value" : [1, {"ttl": 2}], "ttl": 3 }')).toBe('ttl');
    // The names show up again inside strings and nested objects, which the walk skips.
    expect(duplicateMember('{"key":"key","value":{"key":"\\"key\\"","value":["value"]}}')).toBeUndefined();
    expect(duplicateMember('{"k\\u0065y":"a","key":"b","value":1}')).toBe('key');
  });
});

describe('isJsonContentType', () => {
  it('accepts application/json with parameters and refuses anything else', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('application/json;charset=utf-8')).toBe(true);
    expect(isJsonContentType(' APPLICATION/JSON ; charset=UTF-8')).toBe(true);
    expect(isJsonContentType(undefined)).toBe(false);
    expect(isJsonContentType('')).toBe(false);
    expect(isJsonContentType('text/json')).toBe(false);
    expect(isJsonContentType('application/json-seq')).toBe(false);
    // Another media type that happens to be JSON is not this API's (docs/kv-spec.md).
    expect(isJsonContentType('application/vnd.api+json')).toBe(false);
    expect(isJsonContentType('application/problem+json')).toBe(false);
    expect(isJsonContentType('application/json; charset')).toBe(true);
  });
});

describe('drain', () => {
  it('answers a request on a busy connection with Connection: close, then resolves once all are closed', async () => {
    const own = createKvServer(new Store(1), DEFAULT_TIMEOUTS);
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const socket = connect((own.address() as AddressInfo).port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => received).toMatch(/\{"status":"ok"\}$/);
    // The connection is idle now; a request half sent keeps it busy while the drain begins.
    socket.write('GET /healthz HTTP/1.1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const drained = own.drain(5_000);
    socket.write('Host: x\r\n\r\n');
    await Promise.all([drained, closed]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(received.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(received.split('HTTP/1.1 200 OK')[2]).toMatch(/\r\nConnection: close\r\n/);
  });
});
