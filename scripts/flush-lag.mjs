#!/usr/bin/env node
// How long a write waits for its flush at size: the bound docs/kv-spec.md states ("Flush cadence").
//
//   node scripts/flush-lag.mjs KEYS -- COMMAND...      e.g.  node scripts/flush-lag.mjs 1000000 -- servers/go/bin/kvserver
//
// Writes a store of KEYS entries (5 shards, 100-byte values) straight into a temporary directory, starts COMMAND
// on it with --load (default flags otherwise: 5 shards, 1 s flush interval), waits for the first flush to rewrite
// every shard, then 5 times: POST one key and time until its shard file has been renamed into place again (polled
// every 5 ms). Prints each lag, the SIGTERM-to-exit time, and removes the directory. 127.0.0.1 only; by hand, not in
// tests (a 1 M-key store takes a minute or two a server).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHARDS, shardOf, sleep, startOn, writeStore } from './lib/store-fixture.mjs';

const [keysArg, dashes, ...command] = process.argv.slice(2);
const keys = Number(keysArg);
if (!Number.isInteger(keys) || keys < 1 || dashes !== '--' || command.length === 0) {
  console.error('usage: node scripts/flush-lag.mjs KEYS -- COMMAND...');
  process.exit(2);
}

const dir = await mkdtemp(path.join(tmpdir(), 'flush-lag-'));
try {
  await writeStore(dir, keys);
  const started = Date.now();
  const { child, url, exited } = await startOn(command, dir);
  console.log(`${keys} keys: loaded and listening after ${Date.now() - started} ms`);

  const mtime = async (file) => (await stat(file)).mtimeMs;
  // The load makes every shard changed: wait until the first flush has rewritten them all.
  const files = Array.from({ length: SHARDS }, (_, s) => path.join(dir, `shard-${s}`));
  while ((await Promise.all(files.map(mtime))).some((t) => t < started)) await sleep(50);
  console.log(`first flush (every shard) done ${Date.now() - started} ms after the start`);

  const lags = [];
  for (let round = 0; round < 5; round++) {
    const key = `probe-${round}`;
    const file = files[shardOf(key)];
    const before = await mtime(file);
    const res = await fetch(`${url}/kv`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, value: round }),
    });
    const acked = performance.now();
    if (res.status !== 201) throw new Error(`POST answered ${res.status}`);
    // A rename that lands in the same mtime tick as the previous one would hide: wait for a change, then re-check.
    while ((await mtime(file)) === before) await sleep(5);
    lags.push(Math.round(performance.now() - acked));
    await sleep(Math.random() * 1000); // land at a random point of the next interval
  }
  console.log(`write-to-flush lag, 5 writes: ${lags.join(', ')} ms (max ${Math.max(...lags)} ms)`);

  const stopAt = Date.now();
  child.kill('SIGTERM');
  const { code } = await exited;
  console.log(`SIGTERM to exit: ${Date.now() - stopAt} ms, exit ${code}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
