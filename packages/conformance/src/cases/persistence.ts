import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { CaseGroup } from '../case.js';
import { FAST_TIMERS } from '../case.js';
import { expectMissing, expectStatus, expectValue, put, stats } from '../check.js';
import { listDir, readStore, SHARD_FILE, shardOf } from '../disk.js';
import { sleep } from '../http.js';
import type { ServerUnderTest } from '../server-under-test.js';
import { eventually } from '../wait.js';

/** Comfortably more than two flush intervals of 100 ms, on a busy two-core machine. */
const AFTER_FLUSH_MS = 1_000;

/** After a clean stop the directory holds shard files below the shard count and nothing else (no temp files). */
async function expectOnlyShardFiles(dir: string, shards: number, when: string): Promise<void> {
  const stray = (await listDir(dir)).filter((name) => {
    const match = SHARD_FILE.exec(name);
    return !match || Number(match[1]) >= shards;
  });
  assert.deepStrictEqual(stray, [], `${when}: files in ${dir} other than shard-0 … shard-${shards - 1}`);
}

const restartLoaded = (sut: ServerUnderTest, extra = {}) => sut.start({ load: true, ...FAST_TIMERS, ...extra });

/** The disk format and the flush: what is on disk after a flush, a crash, and a clean stop. */
export const persistenceCases: CaseGroup = {
  name: 'persistence',
  cases: [
    {
      name: 'shard files are compact JSON, "\\n", the MD5 of the JSON bytes, and nothing after; each key in its CRC-32 shard',
      async run(sut) {
        await sut.start(FAST_TIMERS);
        const before = Date.now();
        const written = new Map<string, [unknown, number | null | undefined]>();
        for (let i = 0; i < 20; i++) written.set(`disk-${i}`, [{ i, s: 'ü'.repeat(i) }, undefined]);
        written.set('with-ttl', ['t', 60]);
        written.set('with-fraction', ['f', 90.25]);
        written.set('with-null-ttl', [null, null]);
        written.set('ключ 🔑', [[1, { a: 'b' }], undefined]);
        for (const [key, [value, ttl]] of written) await put(sut, key, value, ttl);
        const after = Date.now();
        const complete = await eventually(3_000, async () => (await readStore(sut.dataDir)).size === written.size);
        const store = await readStore(sut.dataDir);
        assert.ok(complete, `${store.size} of ${written.size} entries on disk 3 s after the writes (--flush-interval 100)`);
        for (const [key, [value, ttl]] of written) {
          const entry = store.get(key)!;
          assert.equal(entry.shard, shardOf(key, 5), `${JSON.stringify(key)} is in shard-${entry.shard}, CRC-32 says shard-${shardOf(key, 5)}`);
          assert.deepStrictEqual(entry.value, value, `the value of ${JSON.stringify(key)} on disk`);
          const ttlMs = ttl === undefined || ttl === null ? -1 : ttl * 1000;
          assert.equal(entry.ttl, ttlMs, `the ttl (ms) of ${JSON.stringify(key)} on disk, written with ttl ${ttl}`);
          assert.ok(
            entry.timestamp >= before - 1000 && entry.timestamp <= after + 1000,
            `timestamp ${entry.timestamp} of ${JSON.stringify(key)} is not the write time in ms since the epoch (${before}…${after})`,
          );
        }
        await sut.stopCleanly();
        await expectOnlyShardFiles(sut.dataDir, 5, 'after a clean stop');
      },
    },
    {
      name: 'a changed value of the same size (11 → 22) survives kill -9 after a flush',
      async run(sut) {
        await sut.start(FAST_TIMERS);
        await put(sut, 'counter', 11);
        await put(sut, 'other', 'unchanged');
        await sleep(AFTER_FLUSH_MS);
        await put(sut, 'counter', 22);
        await sleep(AFTER_FLUSH_MS);
        await sut.kill();
        const onDisk = (await readStore(sut.dataDir)).get('counter')?.value;
        await restartLoaded(sut);
        await expectValue(
          sut,
          'counter',
          22,
          `GET after kill -9 and --load (the shard file holds ${JSON.stringify(onDisk)}; a flush only on a change of size is the blog's bug)`,
        );
        await expectValue(sut, 'other', 'unchanged');
      },
    },
    {
      name: 'a delete survives kill -9 after a flush',
      async run(sut) {
        await sut.start(FAST_TIMERS);
        await put(sut, 'doomed', 1);
        await put(sut, 'kept', 2);
        await sleep(AFTER_FLUSH_MS);
        expectStatus(await sut.delete('doomed'), 204, 'DELETE');
        await sleep(AFTER_FLUSH_MS);
        await sut.kill();
        await restartLoaded(sut);
        await expectMissing(sut, 'doomed', 'GET of a deleted key after kill -9 and --load');
        await expectValue(sut, 'kept', 2);
      },
    },
    {
      name: 'SIGTERM flushes everything written since the last flush and exits 0; a loaded store counts as changed',
      async run(sut) {
        const slow = { flushInterval: 60_000, cleanupInterval: 60_000 };
        await sut.start(slow);
        for (const key of ['a', 'b', 'c']) await put(sut, key, `${key}1`);
        await sut.stopCleanly('SIGTERM');
        await sut.start({ ...slow, load: true });
        await expectValue(sut, 'c', 'c1', 'GET after SIGTERM and --load');
        expectStatus(await sut.delete('a'), 204, 'DELETE a');
        await put(sut, 'b', 'b2');
        await put(sut, 'd', 'd1');
        await sut.stopCleanly('SIGTERM');
        await sut.start({ ...slow, load: true });
        await expectMissing(sut, 'a', 'GET of a key deleted just before SIGTERM');
        await expectValue(sut, 'b', 'b2', 'GET of a key changed just before SIGTERM');
        await expectValue(sut, 'c', 'c1', 'GET of a key from two stops ago');
        await expectValue(sut, 'd', 'd1', 'GET of a key added just before SIGTERM');
        await sut.stopCleanly();
        await expectOnlyShardFiles(sut.dataDir, 5, 'after a clean stop');
      },
    },
    {
      name: 'SIGINT flushes and exits 0 like SIGTERM',
      async run(sut) {
        await sut.start({ flushInterval: 60_000 });
        await put(sut, 'interrupted', [1, 2, 3]);
        await sut.stopCleanly('SIGINT');
        await sut.start({ load: true });
        await expectValue(sut, 'interrupted', [1, 2, 3], 'GET after SIGINT and --load');
      },
    },
    {
      name: 'expired entries are dropped on load, not merely hidden',
      async run(sut) {
        await sut.start({ flushInterval: 60_000, cleanupInterval: 60_000 });
        for (let i = 0; i < 4; i++) await put(sut, `brief-${i}`, i, 0.5);
        for (let i = 0; i < 3; i++) await put(sut, `lasting-${i}`, i, 3600);
        await put(sut, 'forever', 'f');
        await sut.stopCleanly();
        assert.equal((await readStore(sut.dataDir)).size, 8, 'entries on disk after SIGTERM, before any expired');
        await sleep(800);
        await sut.start({ load: true, cleanupInterval: 60_000 });
        const { keys } = await stats(sut);
        assert.equal(keys, 4, `/stats right after --load counts ${keys} entries: the 4 expired on disk must be dropped on load (no sweep has run)`);
        for (let i = 0; i < 3; i++) await expectValue(sut, `lasting-${i}`, i);
        await expectMissing(sut, 'brief-0');
      },
    },
    {
      name: 'a loaded entry keeps its timestamp and ttl',
      async run(sut) {
        await sut.start({ flushInterval: 60_000 });
        await put(sut, 'aged', 'v', 3600);
        await put(sut, 'ageless', 'w');
        await sut.stopCleanly();
        const first = await readStore(sut.dataDir);
        await sleep(50);
        await restartLoaded(sut);
        const rewritten = await eventually(3_000, async () => (await listDir(sut.dataDir)).filter((f) => SHARD_FILE.test(f)).length === 5);
        assert.ok(rewritten, `after a load every shard counts as changed, yet the first flush did not write all 5 shards: ${await listDir(sut.dataDir)}`);
        await sut.stopCleanly();
        const second = await readStore(sut.dataDir);
        for (const key of ['aged', 'ageless']) {
          const { shard: _a, ...before } = first.get(key)!;
          const { shard: _b, ...after } = second.get(key) ?? { shard: -1 };
          assert.deepStrictEqual(after, before, `${key} on disk after a load and a flush, compared with before`);
        }
      },
    },
    {
      name: 'without --load a start ignores what is on disk',
      async run(sut) {
        await sut.start();
        await put(sut, 'left-behind', 1);
        await sut.stopCleanly();
        await sut.start();
        await expectMissing(sut, 'left-behind', 'GET after a restart without --load');
        assert.equal((await stats(sut)).keys, 0);
      },
    },
    {
      name: '--load of a directory that does not exist starts an empty store, and the directory is created (nested) on flush',
      async run(sut) {
        const dir = sut.scratch('not/there/yet');
        await sut.start({ directory: dir, load: true, ...FAST_TIMERS });
        assert.equal((await stats(sut)).keys, 0, '/stats of a store loaded from a missing directory');
        await put(sut, 'first', 1);
        await sut.stopCleanly();
        assert.ok(existsSync(dir), `${dir} was not created`);
        assert.equal((await readStore(dir)).get('first')?.value, 1, `the entry in ${dir}`);
      },
    },
  ],
};
