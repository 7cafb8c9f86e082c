import assert from 'node:assert/strict';
import type { CaseGroup } from '../case.js';
import type { ServerUnderTest } from '../server-under-test.js';

/**
 * The same request gets the same answer, byte for byte, from every server: the status line, the header fields
 * (names in any letter case and order, values exactly; only Date differs) and the body. A benchmark's client parses
 * and counts every byte, so an extra header is extra work for one server's clients (the TS server's `Connection` and
 * `Keep-Alive`, 46 bytes an answer, were).
 *
 * Each server is held to one golden answer per request rather than to the other servers side by side: the suite's
 * cases are functions of one server (so that the runner can verify a server, an external one included, alone, and
 * `KVBENCH_SERVERS` can narrow a run to one), and servers equal to one golden are equal to each other.
 */
interface Golden {
  what: string;
  request: string;
  status: string;
  /** `name: value`, names lower-case, Date left out (it is checked to be there). */
  headers: string[];
  body: string;
}

const HOST = 'Host: 127.0.0.1';

function post(body: string, type = 'application/json'): string {
  return `POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\n${HOST}\r\n\r\n`;

function json(status: string, body: string): Pick<Golden, 'status' | 'headers' | 'body'> {
  return { status, headers: [`content-length: ${Buffer.byteLength(body)}`, 'content-type: application/json'], body };
}

export const GOLDEN: Golden[] = [
  {
    what: 'POST 201',
    request: post('{"key": "golden", "value": {"a": [1, "x"]}, "ttl": 60}'),
    status: 'HTTP/1.1 201 Created',
    headers: ['content-length: 0'],
    body: '',
  },
  { what: 'GET hit', request: get('/kv/golden'), ...json('HTTP/1.1 200 OK', '{"value":{"a":[1,"x"]}}') },
  { what: 'GET miss', request: get('/kv/golden-missing'), ...json('HTTP/1.1 404 Not Found', '{"error":"key not found"}') },
  { what: 'POST 400', request: post('[1]'), ...json('HTTP/1.1 400 Bad Request', '{"error":"body must be a JSON object"}') },
  {
    what: 'POST 415',
    request: post('{"key": "golden-415", "value": 1}', 'text/plain'),
    ...json('HTTP/1.1 415 Unsupported Media Type', '{"error":"Content-Type must be application/json"}'),
  },
  { what: 'DELETE 204', request: `DELETE /kv/golden HTTP/1.1\r\n${HOST}\r\n\r\n`, status: 'HTTP/1.1 204 No Content', headers: [], body: '' },
  { what: 'GET /healthz', request: get('/healthz'), ...json('HTTP/1.1 200 OK', '{"status":"ok"}') },
];

interface Answer {
  status: string;
  headers: string[];
  dates: number;
  body: string;
}

/** Splits the bytes of pipelined answers (each with a Content-Length, or none for a 204) into answers. */
export function splitAnswers(text: string): Answer[] {
  const answers: Answer[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    assert.ok(end >= 0, `an answer's head does not end: ${JSON.stringify(rest.slice(0, 300))}`);
    const [status, ...lines] = rest.slice(0, end).split('\r\n');
    const fields = lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
    });
    const length = Number(fields.find(([name]) => name === 'content-length')?.[1] ?? 0);
    const bodyStart = end + 4;
    answers.push({
      status: status!,
      headers: fields
        .filter(([name]) => name !== 'date')
        .map(([name, value]) => `${name}: ${value}`)
        .sort(),
      dates: fields.filter(([name]) => name === 'date').length,
      body: rest.slice(bodyStart, bodyStart + length),
    });
    rest = rest.slice(bodyStart + length);
  }
  return answers;
}

async function sameBytes(sut: ServerUnderTest): Promise<void> {
  // One keep-alive connection, as a benchmark's client uses: each answer must leave it open for the next.
  const outcome = await sut.raw(GOLDEN.map((g) => g.request).join(''), { responses: GOLDEN.length, timeoutMs: 5_000 });
  assert.equal(
    outcome.statuses.length,
    GOLDEN.length,
    `expected ${GOLDEN.length} answers on one connection, got ${outcome.statuses.length}: ${JSON.stringify(outcome.response.slice(0, 600))}`,
  );
  const answers = splitAnswers(outcome.response);
  const wrong: string[] = [];
  for (const [i, golden] of GOLDEN.entries()) {
    const got = answers[i]!;
    const expected = { status: golden.status, headers: [...golden.headers].sort(), dates: 1, body: golden.body };
    try {
      assert.deepStrictEqual(got, expected);
    } catch {
      wrong.push(`${golden.what}: expected ${JSON.stringify(expected)}\n    got      ${JSON.stringify(got)}`);
    }
  }
  assert.ok(wrong.length === 0, `answers that differ from the one every server gives (docs/kv-spec.md, "Work per request"):\n  ${wrong.join('\n  ')}`);
}

export const responseCases: CaseGroup = {
  name: 'the same answer in the same bytes',
  shared: {},
  cases: [{ name: 'POST 201, GET hit and miss, 400, 415, DELETE and /healthz: status, headers but Date, and body as golden', run: sameBytes }],
};
