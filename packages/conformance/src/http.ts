import http from 'node:http';

/** One answer, read whole: enough to check status, headers and the exact body bytes. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  /** Sent as is: a string is UTF-8, an object is JSON-encoded. No header is added that is not asked for. */
  body?: string | Buffer | object;
  headers?: Record<string, string>;
  /** Adds `Content-Type: application/json` when a body is given and no Content-Type header is; default true. */
  json?: boolean;
  agent?: http.Agent;
  timeoutMs?: number;
}

/**
 * A request through node:http rather than fetch: fetch adds a Content-Type of its own to string bodies and
 * normalises paths, and these cases must control both. The path is sent exactly as given (`%zz` included).
 */
export function request(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const url = new URL(baseUrl);
  const body = encodeBody(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) {
    headers['Content-Length'] ??= String(body.length);
    if (options.json !== false && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const what = `${method} ${path}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent: options.agent ?? false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => reject(new Error(`${what} on ${baseUrl}: response broke off: ${error.message}`)));
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: all.toString('utf8') });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(new Error(`${what} on ${baseUrl} failed: ${error.message}`)));
    req.end(body);
  });
}

function encodeBody(body: RequestOptions['body']): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** The path of a key: one percent-encoded segment, as the spec reads it. */
export function keyPath(key: string): string {
  return `/kv/${encodeURIComponent(key)}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
