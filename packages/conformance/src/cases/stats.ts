import assert from 'node:assert/strict';
import type { CaseGroup } from '../case.js';
import { expectStatus, put, stats } from '../check.js';
import { shardCounts } from '../disk.js';

const keysNamed = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** /stats: entries held now, per shard, with the shard of a key fixed by the spec (CRC-32 IEEE mod shards). */
export const statsCases: CaseGroup = {
  name: 'stats',
  cases: [
    {
      name: 'an empty store reports 0 keys over the default 5 shards',
      async run(sut) {
        await sut.start();
        assert.deepStrictEqual(await stats(sut), { keys: 0, shards: [0, 0, 0, 0, 0] });
      },
    },
    {
      name: 'per-shard counts follow CRC-32 (IEEE) of the key bytes modulo --shards, through puts, overwrites and deletes',
      async run(sut) {
        await sut.start({ shards: 7 });
        const keys = [...keysNamed('stats', 60), 'ключ', '🔑 key', 'a/b', 'x'.repeat(1024)];
        for (const key of keys) await put(sut, key, key.length);
        assert.deepStrictEqual(await stats(sut), { keys: keys.length, shards: shardCounts(keys, 7) }, 'after the puts');
        for (const key of keys.slice(0, 10)) await put(sut, key, 'overwritten');
        assert.deepStrictEqual(await stats(sut), { keys: keys.length, shards: shardCounts(keys, 7) }, 'overwriting adds no key');
        for (const key of keys.slice(0, 25)) expectStatus(await sut.delete(key), 204, `DELETE ${key}`);
        const left = keys.slice(25);
        assert.deepStrictEqual(await stats(sut), { keys: left.length, shards: shardCounts(left, 7) }, 'after the deletes');
      },
    },
    {
      name: 'one shard holds every key with --shards 1, and 1024 shards are reported with --shards 1024',
      async run(sut) {
        const keys = keysNamed('one', 12);
        await sut.start({ shards: 1 });
        for (const key of keys) await put(sut, key, 1);
        assert.deepStrictEqual(await stats(sut), { keys: 12, shards: [12] });
        await sut.stopCleanly();
        await sut.start({ shards: 1024, directory: sut.scratch('wide') });
        for (const key of keys) await put(sut, key, 1);
        assert.deepStrictEqual(await stats(sut), { keys: 12, shards: shardCounts(keys, 1024) });
      },
    },
  ],
};
