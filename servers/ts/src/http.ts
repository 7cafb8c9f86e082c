// The HTTP API on node:http: routing, body reading with a size cap, request validation and JSON errors.
//
// Hot path (POST /kv from 1000 keep-alive connections): no closure per request. The body listeners are
// module-level functions that keep their state on the request object itself (KvRequest, handed to node:http as
// its IncomingMessage class), and every constant response has its headers and body built once, here.
import { isUtf8 } from 'node:buffer';
import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import { findLoneSurrogate, loneSurrogateIn, MAX_VALUE_DEPTH, nestedDeeperThan, NO_TTL, ttlSecondsToMs, type Store } from './store.js';
import { members, memberText } from './json-text.js';

/** Largest accepted body; one byte more is 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest accepted key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * The spec's connection limits, in ms (`--header-timeout`, `--idle-timeout`, `--request-timeout`; docs/kv-spec.md
 * says why these values). A client must send a request's line and headers within `headerMs` of its first byte (of
 * the connection, for the first request), and the whole request within `requestMs`; a keep-alive connection with no
 * request under way is closed after `idleMs`. Node's own idle default (5 s) is far shorter: a client that reuses a
 * connection just as the server closes it gets ECONNRESET. (No `Keep-Alive: timeout=…` hint is sent: see KvResponse.)
 */
export interface Timeouts {
  headerMs: number;
  idleMs: number;
  requestMs: number;
}

/**
 * How often Node checks the header and request timeouts (it has no timer per connection for them). Its default,
 * 30 s, would let a stalled client stay that much longer; this makes a close at most 1 s late.
 */
const TIMEOUT_CHECK_MS = 1_000;

/** How long past `keepAliveTimeout` node:http closes an idle connection (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER). */
const KEEP_ALIVE_OVERSHOOT_MS = 1_000;

/** The request line and header fields together; llhttp counts the target, the names and the values. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Header field lines, Host included. */
export const MAX_HEADER_FIELDS = 100;
/** The request-target; RFC 9112 §3 asks a server to take at least 8000 octets. */
export const MAX_TARGET_BYTES = 8 * 1024;

/** The request class node:http creates for us: IncomingMessage plus the state of reading a POST body. */
export class KvRequest extends IncomingMessage {
  kvApp: KvApp | null = null;
  kvRes: KvResponse | null = null;
  /** The body while it is read: the first chunk alone (the usual case), or all of them once a second arrives. */
  bodyFirst: Buffer | null = null;
  bodyChunks: Buffer[] | null = null;
  bodySize = 0;
}

/**
 * The response class node:http creates for us. HTTP/1.1 connections are persistent unless a side says `close`
 * (RFC 9112 §9.3), so an HTTP/1.1 answer carries no `Connection: keep-alive` and no `Keep-Alive: timeout=…` hint,
 * which node:http adds by default (46 bytes a response that Go and Rust do not send). Removing the header keeps the
 * connection persistent. An HTTP/1.0 client that asked to keep the connection gets `Connection: keep-alive`, which
 * it needs, and no hint either (as from Go and Rust); an answer that closes still says `Connection: close`.
 */
export class KvResponse extends ServerResponse<KvRequest> {
  constructor(req: KvRequest) {
    super(req);
    if (req.httpVersionMinor === 1) this.removeHeader('connection');
  }

  /** For HTTP/1.0, once node:http has decided (after construction) whether the connection stays open. */
  sayKeepAliveTo10(): void {
    if (this.shouldKeepAlive && this.req.httpVersionMinor === 0) this.setHeader('Connection', 'keep-alive');
  }
}

type Response = KvResponse;

/**
 * Per-connection state for pipelining. node:http emits 'request' for every pipelined request as soon as its
 * headers are parsed, while an earlier POST's body is still waiting in its stream: handled at once, a GET pipelined
 * after a POST would run before the POST is applied and miss its write. RFC 9112 lets a server overlap only safe
 * methods, so while a POST on a connection is reading its body, later requests on that connection wait here.
 */
const BODY_PENDING = Symbol('kv.bodyPending');
const WAITING = Symbol('kv.waiting');
/** Set once an answer that closes the connection went out: whatever the client sent after it gets no second one. */
const CLOSING = Symbol('kv.closing');
interface KvSocket extends Socket {
  [BODY_PENDING]?: boolean;
  [WAITING]?: Array<KvRequest | Response>;
  [CLOSING]?: boolean;
}

function bodyPending(socket: KvSocket): boolean {
  return socket[BODY_PENDING] === true;
}

// ---- precomputed responses ----------------------------------------------------------------------------------

interface Canned {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Sent with `Connection: close`. */
  closes: boolean;
}

function canned(status: number, body: string, extra: Record<string, string> = {}): Canned {
  return {
    status,
    body,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...extra },
    closes: extra.Connection === 'close',
  };
}

function cannedError(status: number, reason: string, extra: Record<string, string> = {}): Canned {
  return canned(status, JSON.stringify({ error: reason }), extra);
}

/** An explicit Content-Length: with writeHead() and no body, Node would otherwise send a chunked empty body. */
const CREATED_HEADERS = { 'Content-Length': '0' };
const JSON_TYPE = 'application/json';

const HEALTHY = canned(200, '{"status":"ok"}');
const NOT_FOUND = cannedError(404, 'not found');
const KEY_NOT_FOUND = cannedError(404, 'key not found');
const BAD_PERCENT = cannedError(400, 'key is not validly percent-encoded');
const BAD_JSON = cannedError(400, 'body is not valid JSON');
const BAD_UTF8 = cannedError(400, 'body is not valid JSON: it is not valid UTF-8');
const UNSUPPORTED_TYPE = cannedError(415, 'Content-Type must be application/json');
/** For `Expect: 100-continue`, where the body was never sent: the connection is closed all the same. */
const TOO_LARGE = cannedError(413, `body is larger than ${MAX_BODY_BYTES} bytes (1 MiB)`, { Connection: 'close' });
const NOT_ALLOWED_KV = cannedError(405, 'method not allowed', { Allow: 'POST' });
const NOT_ALLOWED_KEY = cannedError(405, 'method not allowed', { Allow: 'GET, HEAD, DELETE' });
const NOT_ALLOWED_READ = cannedError(405, 'method not allowed', { Allow: 'GET, HEAD' });
// Heads node:http accepts but the spec refuses; the connection closes after each, as after one node:http refuses.
const CLOSE = { Connection: 'close' };
const TARGET_TOO_LONG = cannedError(414, `request target longer than ${MAX_TARGET_BYTES} bytes`, CLOSE);
const TOO_MANY_FIELDS = cannedError(431, `more than ${MAX_HEADER_FIELDS} header fields`, CLOSE);
const NOT_HTTP_1 = cannedError(400, 'only HTTP/1.0 and HTTP/1.1 are served (a request line needs its version)', CLOSE);
const BAD_HOST = cannedError(400, 'an HTTP/1.1 request needs exactly one Host header', CLOSE);

function send(res: Response, c: Canned): void {
  if (c.closes && res.socket) (res.socket as KvSocket)[CLOSING] = true;
  res.writeHead(c.status, c.headers);
  res.end(c.body);
}

function sendJson(res: Response, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendBadRequest(res: Response, reason: string): void {
  sendJson(res, 400, JSON.stringify({ error: reason }));
}

/** Raw responses for connections whose request could not even be parsed (there is no ServerResponse then). */
function rawError(status: number, statusText: string, reason: string): string {
  const body = JSON.stringify({ error: reason });
  return (
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\n` + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}
const RAW_BAD_REQUEST = rawError(400, 'Bad Request', 'malformed HTTP request');
const RAW_HEADERS_TOO_LARGE = rawError(431, 'Request Header Fields Too Large', 'request headers too large');
const RAW_TIMEOUT = rawError(408, 'Request Timeout', 'request not received in time');
const RAW_TOO_LARGE = rawError(413, 'Content Too Large', `body is larger than ${MAX_BODY_BYTES} bytes (1 MiB)`);
/**
 * How long a connection keeps reading (into nothing) after an answer to a request still being sent: the 413 of a
 * body sent anyway, the 431 of a 2 MiB header. Closing it at once with those bytes unread makes the kernel reset it,
 * and the reset can destroy the answer before the client has read it (the conformance suite saw EPIPE instead of
 * the 413 in about one run in four, and no 431 now and then). This lingering close answers at once and closes our
 * side, while the client's bytes are still taken; it ends when the client closes, or after this.
 */
const LINGER_MS = 2000;

function closeLingering(socket: Duplex, answer: string): void {
  (socket as KvSocket)[CLOSING] = true;
  socket.end(answer);
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

function refuseTooLarge(req: KvRequest): void {
  closeLingering(req.socket, RAW_TOO_LARGE);
  req.resume();
}

// ---- validation ---------------------------------------------------------------------------------------------

/** A POST /kv body that passed validatePut. */
export interface PutBody {
  key: string;
  value: unknown;
  ttl?: number | null;
}

/**
 * Checks a parsed POST /kv body against the spec; returns the reason it is invalid, or undefined if it is valid
 * (and then `doc` is a PutBody).
 *
 * `body`, the text `doc` was parsed from, lets most requests skip the two walks of the value: nesting d levels takes
 * at least 2d characters of brackets, and JSON.parse makes a lone surrogate only out of a `\u` escape (Buffer's UTF-8
 * decoding turns encoded surrogates into U+FFFD). So a short body without `\u` costs one `includes`.
 */
export function validatePut(doc: unknown, body?: string): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'body must be a JSON object';
  let hasKey = false;
  let hasValue = false;
  // for...in sees only own properties here: JSON.parse builds plain objects, and a "__proto__" member is an own one.
  for (const field in doc) {
    if (field === 'key') hasKey = true;
    else if (field === 'value') hasValue = true;
    else if (field !== 'ttl') return `unknown field ${JSON.stringify(field)} (allowed: key, value, ttl)`;
  }
  if (body !== undefined) {
    const duplicate = duplicateMember(body);
    if (duplicate !== undefined) return `duplicate field ${JSON.stringify(duplicate)}`;
  }
  const { key, ttl } = doc as { key?: unknown; ttl?: unknown };
  if (!hasKey) return 'key is required';
  if (typeof key !== 'string') return 'key must be a string';
  if (key.length === 0) return 'key must not be empty';
  const mayHoldSurrogates = body === undefined || body.includes('\\u');
  if (mayHoldSurrogates && !key.isWellFormed()) {
    return `key holds a lone UTF-16 surrogate escape ${loneSurrogateIn(key)}: it is not Unicode`;
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short keys skip the byte count.
  if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    return `key is longer than ${MAX_KEY_BYTES} UTF-8 bytes`;
  }
  if (!hasValue) return 'value is required';
  const { value } = doc as { value?: unknown };
  const mayBeDeep = body === undefined || body.length >= 2 * (MAX_VALUE_DEPTH + 1);
  if (mayBeDeep && nestedDeeperThan(value, MAX_VALUE_DEPTH)) {
    return `value is nested more than ${MAX_VALUE_DEPTH} levels deep`;
  }
  // Only now: findLoneSurrogate recurses once per level.
  const lone = mayHoldSurrogates ? findLoneSurrogate(value) : undefined;
  if (lone !== undefined) return `value holds a lone UTF-16 surrogate escape ${lone} in a string: it is not Unicode`;
  if (ttl !== undefined && ttl !== null && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) {
    return 'ttl must be a number of seconds greater than 0, or null';
  }
  return undefined;
}

/** The member names validatePut allows; JSON.parse keeps the last of two equal names, so only these can repeat. */
const FIELD_NAMES = ['"key"', '"value"', '"ttl"'] as const;

/**
 * The first top-level member name that `body` (an object JSON.parse took) holds twice, or undefined. Parsers
 * disagree on which duplicate wins (JSON.parse: the last), so the spec refuses them all.
 *
 * Fast path: only a `\u` escape can spell a letter, so a body without one that holds each allowed name at most
 * once, quoted, anywhere, has no duplicate. Otherwise the top-level members are walked.
 */
export function duplicateMember(body: string): string | undefined {
  if (!body.includes('\\u') && FIELD_NAMES.every((name) => atMostOnce(body, name))) return undefined;
  const seen = new Set<string>();
  for (const { name } of members(body)) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

function atMostOnce(text: string, needle: string): boolean {
  const first = text.indexOf(needle);
  return first === -1 || text.indexOf(needle, first + needle.length) === -1;
}

/** True for `application/json`, parameters (`; charset=utf-8`) and any letter case allowed. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  if (header === JSON_TYPE) return true;
  const semi = header.indexOf(';');
  return (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase() === JSON_TYPE;
}

/**
 * The first value of header `lowerName` (lowercase), read from rawHeaders: `req.headers` is built lazily on first
 * access, a whole object per request that the hot path does not otherwise need.
 */
function rawHeader(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerName.length && (name === lowerName || name.toLowerCase() === lowerName)) return raw[i + 1];
  }
  return undefined;
}

/** The key in `/kv/{key}` percent-decoded, or undefined if its encoding is bad. */
function decodeKey(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

// ---- body reading (module-level listeners: `this` is the request) ---------------------------------------------

function onBodyData(this: KvRequest, chunk: Buffer): void {
  const size = this.bodySize + chunk.length;
  if (size > MAX_BODY_BYTES) {
    // Answer now rather than after reading the rest; the connection lingers, and the remaining bytes flow into
    // nothing (the stream stays in flowing mode with no data listener).
    this.removeListener('data', onBodyData);
    this.removeListener('end', onBodyEnd);
    this.bodyFirst = null;
    this.bodyChunks = null;
    refuseTooLarge(this);
    this.kvApp!.bodyDone(this.socket as KvSocket);
    return;
  }
  this.bodySize = size;
  if (this.bodyFirst === null) this.bodyFirst = chunk;
  else if (this.bodyChunks === null) this.bodyChunks = [this.bodyFirst, chunk];
  else this.bodyChunks.push(chunk);
}

function onBodyEnd(this: KvRequest): void {
  const bytes = this.bodyChunks !== null ? Buffer.concat(this.bodyChunks, this.bodySize) : this.bodyFirst !== null ? this.bodyFirst : Buffer.alloc(0);
  this.bodyFirst = null;
  this.bodyChunks = null;
  // JSON text is UTF-8 (RFC 8259 §8.1); decoding would silently turn bad bytes into U+FFFD, rewriting the client's key.
  if (isUtf8(bytes)) this.kvApp!.put(this.kvRes!, bytes.toString('utf8'));
  else send(this.kvRes!, BAD_UTF8);
  this.kvApp!.bodyDone(this.socket as KvSocket);
}

// ---- the application ----------------------------------------------------------------------------------------

export class KvApp {
  /** Set once the server stops: every answer from then on closes its connection. */
  draining = false;

  constructor(private readonly store: Store) {}

  /** The request listener (an arrow property, so node:http can call it unbound). */
  readonly handle = (req: KvRequest, res: Response): void => {
    if (this.draining) res.setHeader('Connection', 'close');
    else res.sayKeepAliveTo10();
    const socket = req.socket as KvSocket;
    if (bodyPending(socket)) {
      (socket[WAITING] ??= []).push(req, res);
      return;
    }
    this.route(req, res);
  };

  /** Called once a POST has been answered: runs the requests that were pipelined behind it, in order. */
  bodyDone(socket: KvSocket): void {
    socket[BODY_PENDING] = false;
    const waiting = socket[WAITING];
    // Each may be a POST that starts reading its own body; the rest then wait for that one.
    while (waiting !== undefined && waiting.length > 0 && !bodyPending(socket)) {
      const req = waiting.shift() as KvRequest;
      this.route(req, waiting.shift() as Response);
    }
  }

  private route(req: KvRequest, res: Response): void {
    const url = req.url ?? '/';
    const refused = refusedHead(req, url);
    if (refused !== undefined) return send(res, refused);
    const method = req.method;
    // The benchmark's request first, before any string slicing.
    if (url === '/kv') {
      if (method === 'POST') this.beginPut(req, res);
      else send(res, NOT_ALLOWED_KV);
      return;
    }
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path.startsWith('/kv/')) {
      const raw = path.slice(4);
      // `{key}` is exactly one non-empty segment; `/kv/a/b` and `/kv/` are routes that do not exist.
      if (raw.length === 0 || raw.includes('/')) return send(res, NOT_FOUND);
      if (method === 'GET' || method === 'HEAD') return this.get(res, raw);
      if (method === 'DELETE') return this.delete(res, raw);
      return send(res, NOT_ALLOWED_KEY);
    }
    switch (path) {
      case '/kv':
        return method === 'POST' ? this.beginPut(req, res) : send(res, NOT_ALLOWED_KV);
      case '/healthz':
        return method === 'GET' || method === 'HEAD' ? send(res, HEALTHY) : send(res, NOT_ALLOWED_READ);
      case '/stats':
        return method === 'GET' || method === 'HEAD' ? sendJson(res, 200, JSON.stringify(this.store.stats())) : send(res, NOT_ALLOWED_READ);
      default:
        return send(res, NOT_FOUND);
    }
  }

  /**
   * For a request sent with `Expect: 100-continue` (curl does so above 1 MiB): refuse an oversized or non-JSON
   * body before the client sends it, otherwise invite the body and carry on as usual.
   */
  readonly handleContinue = (req: KvRequest, res: Response): void => {
    const refused = refusedHead(req, req.url ?? '/');
    if (refused !== undefined) return send(res, refused);
    if (req.method === 'POST' && isPutPath(req.url)) {
      if (declaredTooLarge(req)) return send(res, TOO_LARGE);
      if (!isJsonContentType(rawHeader(req.rawHeaders, 'content-type'))) return send(res, UNSUPPORTED_TYPE);
    }
    res.writeContinue();
    this.handle(req, res);
  };

  private beginPut(req: KvRequest, res: Response): void {
    if (declaredTooLarge(req)) return refuseTooLarge(req);
    if (!isJsonContentType(rawHeader(req.rawHeaders, 'content-type'))) return send(res, UNSUPPORTED_TYPE);
    req.kvApp = this;
    req.kvRes = res;
    (req.socket as KvSocket)[BODY_PENDING] = true;
    req.on('data', onBodyData);
    req.on('end', onBodyEnd);
    // No 'error' listener: an IncomingMessage whose client vanished mid-body emits 'error' only if someone listens
    // (node:http keeps that for compatibility), and there would be no one left to answer anyway.
  }

  put(res: Response, body: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      return send(res, BAD_JSON);
    }
    const invalid = validatePut(doc, body);
    if (invalid !== undefined) return sendBadRequest(res, invalid);
    const { key, ttl } = doc as PutBody;
    // The value's own text from the body, compacted, as the Go and Rust servers keep it: a GET hit or a flush
    // writes it out as is, and `1.0` or `"\u0041"` read back as sent. validatePut found exactly one "value".
    this.store.put(key, memberText(body, 'value')!, ttl === undefined || ttl === null ? NO_TTL : ttlSecondsToMs(ttl));
    // A body still arriving when the server began to stop: its connection closes after this answer too.
    if (this.draining) res.setHeader('Connection', 'close');
    res.writeHead(201, CREATED_HEADERS);
    res.end();
  }

  private get(res: Response, raw: string): void {
    const key = decodeKey(raw);
    if (key === undefined) return send(res, BAD_PERCENT);
    const entry = this.store.get(key);
    if (entry === undefined) return send(res, KEY_NOT_FOUND);
    sendJson(res, 200, `{"value":${entry.value}}`);
  }

  private delete(res: Response, raw: string): void {
    const key = decodeKey(raw);
    if (key === undefined) return send(res, BAD_PERCENT);
    this.store.delete(key);
    res.writeHead(204);
    res.end();
  }
}

/**
 * The answer to a head that node:http took but the spec refuses, or undefined. Node's own Host check is turned off
 * (see createKvServer): it answers with an empty body, not JSON, and reads `req.headers`, which builds a whole
 * object per request.
 */
function refusedHead(req: KvRequest, url: string): Canned | undefined {
  if (url.length > MAX_TARGET_BYTES) return TARGET_TOO_LONG;
  const raw = req.rawHeaders;
  if (raw.length > 2 * MAX_HEADER_FIELDS) return TOO_MANY_FIELDS;
  // llhttp reads `GET /healthz` without a version as HTTP/0.9, which has no headers and no status line to answer with.
  if (req.httpVersionMajor !== 1) return NOT_HTTP_1;
  if (req.httpVersionMinor === 1 && hostLines(raw) !== 1) return BAD_HOST;
  return undefined;
}

function hostLines(raw: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && (name === 'Host' || name.toLowerCase() === 'host')) count++;
  }
  return count;
}

function isPutPath(url: string | undefined): boolean {
  return url === '/kv' || url?.startsWith('/kv?') === true;
}

function declaredTooLarge(req: KvRequest): boolean {
  const length = rawHeader(req.rawHeaders, 'content-length');
  // node:http has already rejected a Content-Length that is not a plain decimal number.
  return length !== undefined && Number(length) > MAX_BODY_BYTES;
}

/**
 * A request node:http could not parse (or that timed out) has no ServerResponse: answer on the socket itself, as
 * JSON like every other error, and close it. Not logged: it is the client's error, and a benchmark's worth of
 * resets would drown the server's own errors.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
    socket.destroy();
    return;
  }
  // Bytes after an answer that closes the connection (an HTTP/0.9 or a refused head, pipelined into; the rest of a
  // 2 MiB header): the client was told already; a second answer would look like one to the request behind it. Close
  // once that answer is out. Node's parser names them HPE_CLOSED_CONNECTION; Deno's says only HPE_ERROR, so the
  // socket remembers the answer.
  if (err.code === 'HPE_CLOSED_CONNECTION' || (socket as KvSocket)[CLOSING] === true) {
    socket.end();
    return;
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // A head over the limit may still be arriving (the suite sends 2 MiB): linger, as after a 413. The others close at
  // once: a slow client must lose its descriptor at the timeout, and a malformed head has nothing more to come.
  if (err.code === 'HPE_HEADER_OVERFLOW') return closeLingering(socket, RAW_HEADERS_TOO_LARGE);
  const response = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? RAW_TIMEOUT : RAW_BAD_REQUEST;
  socket.end(response, () => socket.destroy());
}

export interface KvServer extends Server<typeof KvRequest, typeof KvResponse> {
  /**
   * Stops accepting and closes idle connections; a request already under way is answered with `Connection: close`
   * (node:http would keep a busy connection open for ever, where net/http and hyper close it after its answer).
   * Resolves once every connection is closed, or after `graceMs`, leaving the rest to the caller.
   */
  drain(graceMs: number): Promise<void>;
}

/**
 * The HTTP server for `store`, not yet listening. Its 'error' events are the caller's: a failed listen is fatal,
 * while errors once listening (accept() failing, above all) are to be logged and survived.
 */
export function createKvServer(store: Store, timeouts: Timeouts): KvServer {
  const app = new KvApp(store);
  const server = createServer<typeof KvRequest, typeof KvResponse>(
    {
      IncomingMessage: KvRequest,
      ServerResponse: KvResponse,
      // Node keeps an idle connection 1 s past its keep-alive timeout (the margin it gives clients that read a
      // `Keep-Alive: timeout=…` hint, which KvResponse does not send); ask for 1 s less, so that it closes at the spec's.
      keepAliveTimeout: Math.max(1, timeouts.idleMs - KEEP_ALIVE_OVERSHOOT_MS),
      // The headers are part of the request (and Node refuses a header timeout longer than the request timeout).
      headersTimeout: Math.min(timeouts.headerMs, timeouts.requestMs),
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
      maxHeaderSize: MAX_HEADER_BYTES,
      requireHostHeader: false,
    },
    app.handle,
  );
  // Node keeps the first this-many fields and drops the rest silently; one more than the limit shows it was passed.
  server.maxHeadersCount = MAX_HEADER_FIELDS + 1;
  server.on('checkContinue', app.handleContinue);
  server.on('clientError', onClientError);
  const drain = (graceMs: number): Promise<void> =>
    new Promise((resolve) => {
      app.draining = true;
      const grace = setTimeout(resolve, graceMs);
      server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      server.closeIdleConnections();
    });
  return Object.assign(server, { drain });
}
