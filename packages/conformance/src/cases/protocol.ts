import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { CaseGroup } from '../case.js';
import { expectRejected, expectServing, expectValue } from '../check.js';
import { sleep } from '../http.js';
import { allResponses } from '../raw.js';

const HOST = 'Host: 127.0.0.1';

/** Resolves with everything received once `count` complete responses are in (or the deadline passes). */
function collect(socket: net.Socket, count: number, timeoutMs = 5_000): Promise<number[]> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(
        allResponses(received, true)
          .filter((r) => r.complete)
          .map((r) => r.status),
      );
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (allResponses(received).filter((r) => r.complete).length >= count) done();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', onData);
    socket.once('close', done);
  });
}

function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** HTTP/1.1 behaviour the spec relies on: keep-alive, pipelining, and connections isolated from each other. */
export const protocolCases: CaseGroup = {
  name: 'HTTP/1.1 connections',
  shared: {},
  cases: [
    {
      name: 'one keep-alive connection carries many requests',
      async run(sut) {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const { hostname, port } = new URL(sut.url);
        let reused = 0;
        try {
          for (let i = 0; i < 50; i++) {
            await new Promise<void>((resolve, reject) => {
              const req = http.get({ host: hostname, port, path: '/healthz', agent }, (res) => {
                res.resume();
                res.on('end', resolve);
              });
              if (i > 0 && req.reusedSocket) reused++;
              req.on('error', reject);
            });
          }
        } finally {
          agent.destroy();
        }
        assert.ok(reused >= 45, `only ${reused} of 49 requests reused the keep-alive connection: the server closes connections it should keep`);
      },
    },
    {
      name: 'pipelined requests on one connection are each answered, in order',
      async run(sut) {
        const body = '{"key": "pipelined", "value": "p"}';
        const outcome = await sut.raw(
          `GET /healthz HTTP/1.1\r\n${HOST}\r\n\r\n` +
            `POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
            `GET /kv/pipelined HTTP/1.1\r\n${HOST}\r\n\r\n` +
            `DELETE /kv/pipelined HTTP/1.1\r\n${HOST}\r\n\r\n` +
            `GET /kv/pipelined HTTP/1.1\r\n${HOST}\r\n\r\n`,
          { responses: 5 },
        );
        assert.deepStrictEqual(
          outcome.statuses,
          [200, 201, 200, 204, 404],
          `statuses of 5 pipelined requests; received ${JSON.stringify(outcome.response.slice(0, 600))}`,
        );
      },
    },
    {
      name: 'an HTTP/1.0 request without Host is answered',
      async run(sut) {
        const outcome = await sut.raw('GET /healthz HTTP/1.0\r\n\r\n');
        assert.equal(outcome.status, 200, `HTTP/1.0 GET /healthz: ${JSON.stringify(outcome.response.slice(0, 300))}`);
      },
    },
    {
      name: 'a valid request followed by garbage on the same connection gets its answer before the rejection',
      async run(sut) {
        const outcome = await sut.raw(`GET /healthz HTTP/1.1\r\n${HOST}\r\n\r\n\x00\x01\x02garbage\r\n\r\n`, { responses: 2, halfClose: true });
        assert.equal(outcome.statuses[0], 200, `the valid request before the garbage: ${JSON.stringify(outcome.response.slice(0, 300))}`);
        const second = outcome.statuses[1];
        assert.ok(second === undefined || (second >= 400 && second < 500), `the garbage after it got ${second}`);
      },
    },
    {
      name: 'a half-sent request and a malformed one on other connections do not disturb a request in flight',
      async run(sut) {
        const inFlight = await connect(sut.url);
        const stalled = await connect(sut.url);
        try {
          const body = '{"key": "in-flight", "value": {"whole": true}}';
          inFlight.write(`POST /kv HTTP/1.1\r\n${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
          stalled.write(`GET /healthz HTTP/1.1\r\n${HOST}\r\nX-Slow: `);
          await sleep(100);
          expectRejected(await sut.raw('\x16\x03\x01\x02\x00garbage that is not HTTP\r\n\r\n', { halfClose: true }), 'garbage on a third connection');
          await expectServing(sut, 'while two connections hold half-sent requests');
          const answered = collect(inFlight, 1);
          inFlight.write(body.slice(10));
          assert.deepStrictEqual(await answered, [201], 'the rest of the in-flight POST');
          await expectValue(sut, 'in-flight', { whole: true });
          const next = collect(inFlight, 1);
          inFlight.write(`GET /kv/in-flight HTTP/1.1\r\n${HOST}\r\n\r\n`);
          assert.deepStrictEqual(await next, [200], 'a second request on the same keep-alive connection');
        } finally {
          inFlight.destroy();
          stalled.destroy();
        }
      },
    },
  ],
};
