// What the by-hand scripts at size share: a store of N keys written straight to disk in the spec's format, and a
// server started on it with --load. 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/** The spec's default shard count, which the servers start with unless told otherwise. */
export const SHARDS = 5;

export const shardOf = (key) => crc32(key) % SHARDS;
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The keys writeStore wrote: `key-0` … `key-(N-1)`. */
export const storedKey = (i) => `key-${i}`;

/**
 * Writes `keys` entries (100-byte string values, no ttl) into `SHARDS` shard files in `dir`, as a server's flush
 * would: compact JSON, `\n`, its MD5 in lowercase hex. A million keys take a few seconds; no server is involved.
 */
export async function writeStore(dir, keys) {
  const now = Date.now();
  const parts = Array.from({ length: SHARDS }, () => []);
  const value = JSON.stringify('v'.repeat(98));
  for (let i = 0; i < keys; i++) {
    const key = storedKey(i);
    parts[shardOf(key)].push(`${JSON.stringify(key)}:{"value":${value},"timestamp":${now},"ttl":-1}`);
  }
  for (let s = 0; s < SHARDS; s++) {
    const json = `{${parts[s].join(',')}}`;
    parts[s] = null; // one shard's strings at a time in memory, not two copies of the store
    await writeFile(path.join(dir, `shard-${s}`), `${json}\n${createHash('md5').update(json).digest('hex')}`);
  }
}

/**
 * `command` started on `dir` with --load and the spec's other defaults, resolved once it prints its listening line:
 * `{ child, url, exited }`, where `exited` resolves to `{ code, signal }`. Rejects if it exits first.
 */
export async function startOn(command, dir) {
  const child = spawn(command[0], [...command.slice(1), '--host', '127.0.0.1', '--port', '0', '--directory', dir, '--load'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    exited.then(({ code, signal }) => reject(new Error(`${command.join(' ')} exited (code ${code}, signal ${signal}) before listening`)));
  });
  return { child, url, exited };
}
