import assert from 'node:assert/strict';
import http from 'node:http';
import type { CaseGroup } from '../case.js';
import { expectServing, stats } from '../check.js';
import { request } from '../http.js';

const CLIENTS = 1000;
const ROUNDS = 3;

/** The blog's concurrency, kept small in count: 1000 keep-alive clients, a few writes and reads each. */
export const concurrencyCases: CaseGroup = {
  name: 'concurrency',
  shared: { flushInterval: 100 },
  cases: [
    {
      name: `${CLIENTS} concurrent keep-alive clients each doing ${ROUNDS} POST+GET pairs see zero errors and read every value back`,
      timeoutMs: 120_000,
      async run(sut) {
        const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS, maxFreeSockets: CLIENTS });
        const failures: string[] = [];
        const client = async (c: number) => {
          for (let round = 0; round < ROUNDS; round++) {
            const key = `client-${c}-${round}`;
            const value = { client: c, round, text: `v${c * 31 + round}` };
            try {
              const post = await request(sut.url, 'POST', '/kv', { agent, body: { key, value, ttl: 600 }, timeoutMs: 30_000 });
              if (post.status !== 201) {
                failures.push(`POST ${key}: ${post.status} ${post.text.slice(0, 100)}`);
                continue;
              }
              const get = await request(sut.url, 'GET', `/kv/${key}`, { agent, timeoutMs: 30_000 });
              if (get.status !== 200) failures.push(`GET ${key}: ${get.status} ${get.text.slice(0, 100)}`);
              else assert.deepStrictEqual(JSON.parse(get.text), { value }, `GET ${key}`);
            } catch (error) {
              failures.push(`${key}: ${(error as Error).message.split('\n')[0]}`);
            }
          }
        };
        try {
          await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
        } finally {
          agent.destroy();
        }
        const shown = failures.slice(0, 10).join('\n  ');
        assert.equal(failures.length, 0, `${failures.length} of ${CLIENTS * ROUNDS * 2} requests failed, e.g.:\n  ${shown}${sut.stderrTail()}`);
        assert.equal((await stats(sut)).keys, CLIENTS * ROUNDS, '/stats after the load');
        await expectServing(sut, 'after the concurrent load');
      },
    },
  ],
};
