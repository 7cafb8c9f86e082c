import assert from 'node:assert/strict';
import type { CaseGroup } from '../case.js';
import { FAST_TIMERS } from '../case.js';
import { expectError, expectMissing, expectStatus, expectValue, put, stats } from '../check.js';
import { readStore, shardOf } from '../disk.js';
import { sleep } from '../http.js';
import type { ServerUnderTest } from '../server-under-test.js';
import { eventually } from '../wait.js';

/** ttl in the request body: absent or null for none, otherwise a finite number of seconds above 0. */
export const ttlValidation: CaseGroup = {
  name: 'ttl validation',
  shared: {},
  cases: [
    {
      name: 'an absent or null ttl is accepted and means no expiry',
      async run(sut) {
        await put(sut, 'ttl-absent', 1);
        await put(sut, 'ttl-null', 2, null);
        await expectValue(sut, 'ttl-absent', 1);
        await expectValue(sut, 'ttl-null', 2);
      },
    },
    {
      name: 'integer and fractional ttls above 0 are accepted',
      async run(sut) {
        for (const [i, ttl] of [1, 30, 1.5, 0.75, 3600, 86400 * 365].entries()) {
          await put(sut, `ttl-ok-${i}`, ttl, ttl);
          await expectValue(sut, `ttl-ok-${i}`, ttl);
        }
      },
    },
    {
      name: 'ttl 0, negative, string, boolean, object, array or out of range is 400 and stores nothing',
      async run(sut) {
        for (const ttl of [0, -1, -0.5, '10', '', true, false, {}, { seconds: 1 }, [], [1]]) {
          expectError(await sut.post({ key: 'ttl-bad', value: 1, ttl }), 400, `POST with ttl ${JSON.stringify(ttl)}`);
        }
        // Not representable through JSON.stringify: written out by hand.
        for (const ttl of ['1e400', '-1e400']) {
          expectError(await sut.post(`{"key": "ttl-bad", "value": 1, "ttl": ${ttl}}`), 400, `POST with ttl ${ttl}`);
        }
        await expectMissing(sut, 'ttl-bad', 'GET of a key only ever sent with a bad ttl');
      },
    },
    {
      // docs/kv-spec.md: the nearest ms, at least 1. Rounding up instead would store 64.001 s as 64002 ms (64.001 ×
      // 1000 is 64001.00000000001 in floating point) and 3600.0004 s as 3600001 ms; rounding down would make a ttl
      // under 1 ms 0, "no expiry". (A ttl under 1 ms expires before a flush can show it: the unit tests check the 1.)
      name: 'a ttl in seconds is stored as the nearest whole ms',
      async run(sut) {
        const cases: Array<[text: string, ms: number]> = [
          ['64.001', 64_001],
          ['64.007', 64_007],
          ['3600.0004', 3_600_000],
          ['3600.0006', 3_600_001],
          ['100.0005', 100_001],
          ['2.5e3', 2_500_000],
        ];
        for (const [i, [text]] of cases.entries()) {
          const res = await sut.post(`{"key": "ttl-ms-${i}", "value": ${i}, "ttl": ${text}}`);
          assert.equal(res.status, 201, `POST with ttl ${text}: ${res.status} ${res.text}`);
        }
        let store = new Map<string, { ttl: number }>();
        const flushed = await eventually(3_000, async () => {
          store = await readStore(sut.dataDir);
          return cases.every((_, i) => store.has(`ttl-ms-${i}`));
        });
        assert.ok(flushed, 'the entries with a ttl never all reached the shard files (flush every 1 s)');
        const stored = cases.map(([text], i) => `${text} s → ${store.get(`ttl-ms-${i}`)!.ttl} ms`);
        const expected = cases.map(([text, ms]) => `${text} s → ${ms} ms`);
        assert.deepEqual(stored, expected, 'the ttl each entry was stored with, in ms');
      },
    },
  ],
};

async function keyCount(sut: ServerUnderTest): Promise<number> {
  return (await stats(sut)).keys;
}

/** Expiry: never returned once expired, counted by /stats until the sweep, gone from disk after the sweep's flush. */
export const ttlExpiry: CaseGroup = {
  name: 'ttl expiry',
  cases: [
    {
      name: 'an entry past its ttl is 404 before any sweep, and /stats still counts it until the sweep',
      async run(sut) {
        await sut.start({ cleanupInterval: 60_000 });
        await put(sut, 'short', 'soon gone', 0.2);
        await put(sut, 'forever', 'stays');
        await sleep(450);
        await expectMissing(sut, 'short', 'GET 0.45 s after a write with ttl 0.2, before any sweep');
        await expectValue(sut, 'forever', 'stays');
        assert.equal(await keyCount(sut), 2, '/stats must still count an expired entry that no sweep has removed yet');
        expectStatus(await sut.delete('short'), 204, 'DELETE of an expired entry');
        assert.equal(await keyCount(sut), 1, '/stats after deleting the expired entry');
      },
    },
    {
      name: 'entries without ttl do not expire, and rewriting a key without ttl removes its expiry',
      async run(sut) {
        await sut.start(FAST_TIMERS);
        await put(sut, 'no-ttl', 1);
        await put(sut, 'null-ttl', 2, null);
        await put(sut, 'reset', 3, 0.3);
        await put(sut, 'reset', 4);
        await put(sut, 'expires', 5, 0.3);
        await sleep(800);
        await expectValue(sut, 'no-ttl', 1);
        await expectValue(sut, 'null-ttl', 2);
        await expectValue(sut, 'reset', 4, 'GET of a key first written with ttl 0.3, then rewritten without');
        await expectMissing(sut, 'expires');
      },
    },
    {
      name: 'rewriting a key restarts its ttl from the new write',
      async run(sut) {
        await sut.start({ cleanupInterval: 60_000 });
        await put(sut, 'renewed', 'first', 1);
        await sleep(600);
        await put(sut, 'renewed', 'second', 1);
        await sleep(600);
        await expectValue(sut, 'renewed', 'second', 'GET 0.6 s after a rewrite with ttl 1 (1.2 s after the first write)');
      },
    },
    {
      name: 'the sweep removes expired entries from /stats within a few cleanup intervals',
      async run(sut) {
        await sut.start(FAST_TIMERS);
        for (let i = 0; i < 5; i++) await put(sut, `swept-${i}`, i, 0.2);
        for (let i = 0; i < 3; i++) await put(sut, `kept-${i}`, i);
        const swept = await eventually(3_000, async () => (await keyCount(sut)) === 3);
        const { keys, shards } = await stats(sut);
        assert.ok(swept, `/stats still reports ${keys} keys (${JSON.stringify(shards)}) 3 s after 5 of 8 expired, with --cleanup-interval 100`);
      },
    },
    {
      name: 'a sweep counts as a change: the next flush drops swept entries from the shard file',
      async run(sut) {
        await sut.start(FAST_TIMERS);
        await put(sut, 'on-disk-briefly', 'x', 0.5);
        await put(sut, 'on-disk', 'y');
        const written = await eventually(3_000, async () => (await readStore(sut.dataDir)).has('on-disk-briefly'));
        assert.ok(written, `the entry with ttl 0.5 never reached shard-${shardOf('on-disk-briefly', 5)} with --flush-interval 100`);
        const dropped = await eventually(4_000, async () => !(await readStore(sut.dataDir)).has('on-disk-briefly'));
        assert.ok(dropped, 'the expired entry is still in its shard file 3.5 s after it expired (sweep and flush every 100 ms)');
        assert.ok((await readStore(sut.dataDir)).has('on-disk'), 'the entry without ttl left the shard file');
      },
    },
  ],
};
