import { describe, expect, it } from 'vitest';
import { allResponses, firstResponse } from '../src/raw.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('firstResponse', () => {
  it('finds the end of a response by Content-Length, and waits for the rest of the body', () => {
    const text = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}';
    expect(firstResponse(bytes(`${text}HTTP/1.1`))).toEqual({ status: 400, end: text.length, complete: true });
    expect(firstResponse(bytes('HTTP/1.1 400 Bad Request\r\nContent-Length: 9\r\n\r\n{}'))?.complete).toBe(false);
    expect(firstResponse(bytes('HTTP/1.1 400 Bad'))).toBeNull();
  });

  it('skips interim 100 Continue answers and reads chunked bodies', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
    expect(firstResponse(bytes(text))).toEqual({ status: 200, end: text.length, complete: true });
  });

  it('takes a body without length as complete only when the connection closed', () => {
    const text = 'HTTP/1.0 400 Bad Request\r\n\r\nbad';
    expect(firstResponse(bytes(text))?.complete).toBe(false);
    expect(firstResponse(bytes(text), true)?.complete).toBe(true);
  });
});

describe('allResponses', () => {
  it('splits pipelined responses in order', () => {
    const one = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const two = 'HTTP/1.1 204 No Content\r\n\r\n';
    const three = 'HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nmi';
    const found = allResponses(bytes(one + two + three));
    expect(found.map((r) => [r.status, r.complete])).toEqual([
      [200, true],
      [204, true],
      [404, false],
    ]);
  });
});
