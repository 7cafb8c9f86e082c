import net from 'node:net';

/** What one raw connection got back. */
export interface RawOutcome {
  /** Status of the first response (interim 1xx skipped), or null if none arrived. */
  status: number | null;
  /** Statuses of every complete response, in order (pipelined requests get one each). */
  statuses: number[];
  /** What came back, as text, for messages. */
  response: string;
  /** The server closed or reset the connection before a complete response arrived. */
  closed: boolean;
  /** Neither a response nor a close within the deadline. */
  timedOut: boolean;
}

export interface RawOptions {
  /** After writing, shut our side down (FIN) so a server waiting for more bytes sees the end. Default false. */
  halfClose?: boolean;
  /** Wait for this many complete responses (pipelining); default 1. */
  responses?: number;
  timeoutMs?: number;
}

/**
 * Writes bytes exactly as given on a fresh connection and waits for the first complete response, a close, or the
 * deadline. A reset while writing (a server refusing a huge request early) is a close, not an error of ours.
 */
export function rawExchange(baseUrl: string, data: string | Buffer, options: RawOptions = {}): Promise<RawOutcome> {
  const url = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const wanted = options.responses ?? 1;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    let received = Buffer.alloc(0);
    let connected = false;
    let settled = false;
    const finish = (how: 'answered' | 'closed' | 'deadline') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = allResponses(received, how === 'closed');
      const statuses = parsed.filter((r) => r.complete).map((r) => r.status);
      resolve({
        status: parsed[0]?.status ?? null,
        statuses,
        response: received.toString('latin1').slice(0, 4000),
        closed: how === 'closed',
        timedOut: how === 'deadline' && parsed.length === 0,
      });
    };
    const timer = setTimeout(() => finish('deadline'), timeoutMs);
    socket.on('connect', () => {
      connected = true;
      socket.write(data);
      if (options.halfClose) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (allResponses(received).filter((r) => r.complete).length >= wanted) finish('answered');
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', (error) => {
      if (connected) return finish('closed');
      settled = true;
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${baseUrl}: ${error.message}`));
    });
  });
}

/** Every response in `bytes`, in order; the last one may be incomplete. */
export function allResponses(bytes: Buffer, atClose = false): ParsedResponse[] {
  const found: ParsedResponse[] = [];
  let offset = 0;
  for (;;) {
    const next = firstResponse(bytes.subarray(offset), atClose);
    if (!next) return found;
    found.push({ ...next, end: offset + next.end });
    if (!next.complete || next.end === 0) return found;
    offset += next.end;
  }
}

interface ParsedResponse {
  status: number;
  /** Byte offset just past this response. */
  end: number;
  complete: boolean;
}

/**
 * The first final response in `bytes`, parsed just enough to know where it ends (Content-Length, chunked, or
 * until close). `atClose` accepts a body that runs to the end of the data.
 */
export function firstResponse(bytes: Buffer, atClose = false): ParsedResponse | null {
  let offset = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd === -1) return null;
    const head = bytes.subarray(offset, headEnd).toString('latin1');
    const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
    if (!match) return null;
    const status = Number(match[1]);
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (status === 204 || status === 304) return { status, end: bodyStart, complete: true };
    if (length) {
      const end = bodyStart + Number(length[1]);
      return { status, end: Math.min(end, bytes.length), complete: end <= bytes.length };
    }
    if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
      const end = chunkedEnd(bytes, bodyStart);
      return end === null ? { status, end: bytes.length, complete: atClose } : { status, end, complete: true };
    }
    return { status, end: bytes.length, complete: atClose };
  }
}

function chunkedEnd(bytes: Buffer, start: number): number | null {
  let offset = start;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset, 'latin1');
    if (lineEnd === -1) return null;
    const size = parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return null;
    if (size === 0) {
      const trailerEnd = bytes.indexOf('\r\n\r\n', lineEnd, 'latin1');
      return trailerEnd === -1 ? null : trailerEnd + 4;
    }
    offset = lineEnd + 2 + size + 2;
    if (offset > bytes.length) return null;
  }
}
