import assert from 'node:assert/strict';
import type { CaseGroup } from '../case.js';
import { FAST_TIMERS } from '../case.js';
import { expectValue, put, stats } from '../check.js';
import { listDir, readShards, SHARD_FILE, shardCounts, shardOf } from '../disk.js';
import type { ServerUnderTest } from '../server-under-test.js';
import { eventually } from '../wait.js';

const KEYS = Array.from({ length: 60 }, (_, i) => `reshard-${i}`).concat(['ключ', '🔑', 'a/b', 'with space']);

async function shardFileIndexes(dir: string): Promise<number[]> {
  return (await listDir(dir))
    .map((name) => SHARD_FILE.exec(name)?.[1])
    .filter((i): i is string => i !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Writes KEYS with `from` shards, reloads with `to`, and checks reads, /stats and the rewritten directory. */
async function reshard(sut: ServerUnderTest, from: number, to: number): Promise<void> {
  await sut.start({ shards: from, flushInterval: 60_000 });
  for (const key of KEYS) await put(sut, key, { key, n: key.length });
  await sut.stopCleanly();
  assert.equal((await shardFileIndexes(sut.dataDir)).length, from, `setup: ${KEYS.length} keys should fill all ${from} shards`);

  await sut.start({ shards: to, load: true, ...FAST_TIMERS });
  for (const key of KEYS)
    await expectValue(sut, key, { key, n: key.length }, `GET ${JSON.stringify(key)} after writing with ${from} shards and loading with ${to}`);
  assert.deepStrictEqual(
    await stats(sut),
    { keys: KEYS.length, shards: shardCounts(KEYS, to) },
    `/stats after loading a ${from}-shard store with --shards ${to}`,
  );

  const all = Array.from({ length: to }, (_, i) => i);
  const settled = await eventually(3_000, async () => JSON.stringify(await shardFileIndexes(sut.dataDir)) === JSON.stringify(all));
  assert.ok(
    settled,
    `3 s after loading with --shards ${to}, the directory holds shard files ${JSON.stringify(await shardFileIndexes(sut.dataDir))}, expected exactly 0 … ${to - 1} (every shard counts as changed after a load; files at or beyond the count are removed)`,
  );
  await sut.stopCleanly();
  for (const shard of await readShards(sut.dataDir)) {
    const expected = KEYS.filter((key) => shardOf(key, to) === shard.index).sort();
    assert.deepStrictEqual(Object.keys(shard.entries).sort(), expected, `the keys in shard-${shard.index} after resharding ${from} → ${to}`);
  }
}

/** A store written with one shard count loads with another, and the directory never mixes two layouts. */
export const reshardingCases: CaseGroup = {
  name: 'loading with another shard count',
  cases: [
    { name: 'a store written with --shards 5 loads with --shards 8, and shard-5 … shard-7 hold the right keys', run: (sut) => reshard(sut, 5, 8) },
    { name: 'a store written with --shards 8 loads with --shards 3, and the first flush removes shard-3 … shard-7', run: (sut) => reshard(sut, 8, 3) },
  ],
};
