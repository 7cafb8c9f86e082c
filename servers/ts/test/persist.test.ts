import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { md5Hex } from '../src/hash.js';
import { decodeShard, encodeShard, loadStore, Persister, ShardFileError, shardFileName, writeFileAtomic } from '../src/persist.js';
import { Entry, NO_TTL, Store } from '../src/store.js';

// node:fs/promises, passed through but watched: which calls the atomic write makes, in what order, and a way to make
// `open` fail as it does when the process is out of file descriptors.
const fsWatch = vi.hoisted(() => ({ calls: [] as string[], failOpen: null as Error | null }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const base = (p: unknown): string => String(p).split('/').pop()!;
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      if (fsWatch.failOpen !== null) throw fsWatch.failOpen;
      const fh = await real.open(...args);
      fsWatch.calls.push(`open ${base(args[0])}`);
      const sync = fh.sync.bind(fh);
      fh.sync = async () => {
        fsWatch.calls.push(`fsync ${base(args[0])}`);
        return sync();
      };
      return fh;
    },
    rename: async (from: string, to: string) => {
      fsWatch.calls.push(`rename ${base(from)} -> ${base(to)}`);
      return real.rename(from, to);
    },
  };
});

const T0 = Date.now();
let dir: string;
const logged: string[] = [];
const log = (line: string): void => void logged.push(line);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kvts-persist-'));
  fsWatch.calls.length = 0;
  fsWatch.failOpen = null;
  logged.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function emfile(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EMFILE: too many open files, open '${path}'`), {
    code: 'EMFILE',
    errno: -24,
    syscall: 'open',
    path,
  });
}

async function shardFiles(): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('encodeShard', () => {
  it('writes compact JSON, a newline, then the MD5 of the JSON bytes, and nothing after', () => {
    const entries = new Map([
      ['key-1', new Entry(JSON.stringify({ a: [1, null] }), 1700000000000, NO_TTL)],
      ['é', new Entry(JSON.stringify('v'), 1700000000001, 1500)],
    ]);
    const json = '{"key-1":{"value":{"a":[1,null]},"timestamp":1700000000000,"ttl":-1},' + '"é":{"value":"v","timestamp":1700000000001,"ttl":1500}}';
    const text = encodeShard(entries).join('');
    expect(text).toBe(`${json}\n${md5Hex(Buffer.from(json, 'utf8'))}`);
    expect(text).toMatch(/\n[0-9a-f]{32}$/);
  });

  it('writes an empty shard as {}', () => {
    expect(encodeShard(new Map()).join('')).toBe(`{}\n${md5Hex('{}')}`);
  });

  it('splits a large shard into chunks that together are the one file, its MD5 over all of them', () => {
    // 20 values of 1 MiB: past one 16 Mi-unit chunk, the way a shard past V8's ~512 MiB string limit is written.
    const big = 'x'.repeat(1024 * 1024);
    const entries = new Map(Array.from({ length: 20 }, (_, i) => [`k${i}`, new Entry(JSON.stringify(big), T0, NO_TTL)] as const));
    const chunks = encodeShard(entries);
    expect(chunks.length).toBeGreaterThan(1);
    const decoded = decodeShard('shard-0', Buffer.from(chunks.join('')));
    expect(decoded.map(([k]) => k)).toEqual([...entries.keys()]);
  });

  it('keeps a "__proto__" key as an ordinary member', () => {
    const text = encodeShard(new Map([['__proto__', new Entry(JSON.stringify(1), T0, NO_TTL)]])).join('');
    const decoded = decodeShard('shard-0', Buffer.from(text));
    expect(decoded.map(([k]) => k)).toEqual(['__proto__']);
  });
});

describe('decodeShard', () => {
  it('reads back what encodeShard wrote', () => {
    const entries = new Map([
      ['a', new Entry(JSON.stringify(null), T0, NO_TTL)],
      ['b', new Entry(JSON.stringify([1, 'two']), T0 + 1, 20)],
    ]);
    expect(decodeShard('shard-0', Buffer.from(encodeShard(entries).join('')))).toEqual([...entries]);
  });

  it('reads a file written by another server, with its own JSON spacing', () => {
    const json = '{ "k": { "ttl": 5000, "value": {"x": 1}, "timestamp": 1700000000000 } }';
    const entries = decodeShard('shard-2', Buffer.from(`${json}\n${md5Hex(json)}`));
    expect(entries).toEqual([['k', new Entry(JSON.stringify({ x: 1 }), 1700000000000, 5000)]]);
  });

  it('reads keys and entries holding quotes, escapes, brackets and non-ASCII text', () => {
    const entries = new Map([
      ['a"}{,:b\\', new Entry(JSON.stringify({ s: 'x"]}\\', n: [1, { é: '€' }] }), T0, NO_TTL)],
      ['__proto__', new Entry(JSON.stringify('"'), T0, 7)],
    ]);
    expect(decodeShard('shard-0', Buffer.from(encodeShard(entries).join('')))).toEqual([...entries]);
  });

  it('refuses a file whose MD5 does not match, naming the file', () => {
    const text = encodeShard(new Map([['k', new Entry(JSON.stringify(1), T0, NO_TTL)]]))
      .join('')
      .replace('"value":1', '"value":2');
    expect(() => decodeShard('/data/shard-3', Buffer.from(text))).toThrow(ShardFileError);
    expect(() => decodeShard('/data/shard-3', Buffer.from(text))).toThrow(/^\/data\/shard-3: MD5 mismatch/);
  });

  it('refuses a file whose JSON does not parse even though its MD5 matches, naming the file', () => {
    const json = '{"k":{"value":1,';
    expect(() => decodeShard('/data/shard-1', Buffer.from(`${json}\n${md5Hex(json)}`))).toThrow(/^\/data\/shard-1: bad JSON/);
  });

  const file = (json: string): string => `${json}\n${md5Hex(json)}`;
  const deep = '['.repeat(513) + ']'.repeat(513);
  it.each([
    ['no newline', '{}'],
    ['uppercase hex', `{}\n${md5Hex('{}').toUpperCase()}`],
    ['something after the hash', `${file('{}')}\n`],
    ['an array', file('[]')],
    ['an entry without a value', file('{"k":{"timestamp":1,"ttl":-1}}')],
    ['a string timestamp', file('{"k":{"value":1,"timestamp":"1","ttl":-1}}')],
    ['a value nested 513 levels deep', file(`{"k":{"value":${deep},"timestamp":1,"ttl":-1}}`)],
    // What JSON.parse of the whole file refused, the entry-by-entry parse must refuse too.
    ['a trailing comma', file('{"k":{"value":1,"timestamp":1,"ttl":-1},}')],
    ['two members without a comma', file('{"a":{"value":1,"timestamp":1,"ttl":-1} "b":{"value":1,"timestamp":1,"ttl":-1}}')],
    ['a key that is not a string', file('{k:{"value":1,"timestamp":1,"ttl":-1}}')],
    ['a missing entry', file('{"k":}')],
    ['an unterminated string', file('{"k":{"value":"x,"timestamp":1,"ttl":-1}}')],
    ['something after the object', file('{}{}')],
    ['an empty file body', file('')],
  ])('refuses a file with %s, naming the file', (_what, text) => {
    expect(() => decodeShard('shard-9', Buffer.from(text))).toThrow(/^shard-9: /);
  });
});

describe('writeFileAtomic', () => {
  it('writes a temporary file in the same directory, fsyncs it, then renames it over the target', async () => {
    await writeFileAtomic(dir, 'shard-0', 'new contents');
    expect(await readFile(join(dir, 'shard-0'), 'utf8')).toBe('new contents');
    const [open, fsync, rename, ...rest] = fsWatch.calls;
    expect(rest).toEqual([]);
    const tmp = /^open (\.shard-0\.\d+\.\d+\.tmp)$/.exec(open!)?.[1];
    expect(tmp).toBeDefined();
    expect(fsync).toBe(`fsync ${tmp}`);
    expect(rename).toBe(`rename ${tmp} -> shard-0`);
    expect(await shardFiles()).toEqual(['shard-0']);
  });

  it('leaves the old file untouched and no temporary file behind when the write fails', async () => {
    await writeFile(join(dir, 'shard-0'), 'old contents');
    fsWatch.failOpen = emfile(join(dir, '.shard-0.tmp'));
    await expect(writeFileAtomic(dir, 'shard-0', 'new contents')).rejects.toThrow(/EMFILE/);
    expect(await readFile(join(dir, 'shard-0'), 'utf8')).toBe('old contents');
    expect(await shardFiles()).toEqual(['shard-0']);
  });
});

describe('Persister', () => {
  it('writes only the shards that changed since the last flush', async () => {
    const store = new Store(5);
    const persister = new Persister(store, dir, log);
    store.put('key-1', JSON.stringify(1), NO_TTL); // shard 3
    expect(await persister.flush()).toBe(true);
    expect(await shardFiles()).toEqual(['shard-3']);

    fsWatch.calls.length = 0;
    expect(await persister.flush()).toBe(true);
    expect(fsWatch.calls).toEqual([]);

    store.put('key-42', JSON.stringify(2), NO_TTL); // shard 4
    await persister.flush();
    expect(fsWatch.calls.filter((c) => c.startsWith('rename'))).toEqual([expect.stringMatching(/-> shard-4$/)]);
  });

  it('flushes a value changed to one of the same size (the blog only flushed on a change in size)', async () => {
    const store = new Store(5);
    const persister = new Persister(store, dir, log);
    store.put('key-1', JSON.stringify('aaaa'), NO_TTL);
    await persister.flush();
    store.put('key-1', JSON.stringify('bbbb'), NO_TTL);
    await persister.flush();
    const reloaded = new Store(5);
    await loadStore(reloaded, dir);
    expect(reloaded.get('key-1')?.value).toBe(JSON.stringify('bbbb'));
  });

  it('flushes deletes and sweeps, even when they empty a shard', async () => {
    const store = new Store(5);
    const persister = new Persister(store, dir, log);
    store.put('key-1', JSON.stringify(1), NO_TTL, T0);
    store.put('key-42', JSON.stringify(2), 10, T0);
    await persister.flush();
    store.delete('key-1');
    store.sweep(T0 + 11);
    await persister.flush();
    const reloaded = new Store(5);
    expect(await loadStore(reloaded, dir)).toEqual({ files: 2, loaded: 0, expired: 0 });
    expect(await readFile(join(dir, 'shard-3'), 'utf8')).toBe(`{}\n${md5Hex('{}')}`);
  });

  it('logs a failed write with the system error text and retries it on the next flush', async () => {
    const store = new Store(5);
    const persister = new Persister(store, dir, log);
    store.put('key-1', JSON.stringify(1), NO_TTL);
    fsWatch.failOpen = emfile(join(dir, '.shard-3.tmp'));
    expect(await persister.flush()).toBe(false);
    expect(logged).toEqual([`flush shard-3: EMFILE: too many open files, open '${join(dir, '.shard-3.tmp')}'`]);
    expect(store.shards[3]!.dirty).toBe(true);

    fsWatch.failOpen = null;
    expect(await persister.flush()).toBe(true);
    expect(await shardFiles()).toEqual(['shard-3']);
  });

  it('never writes a shard twice at once: a flush requested during one joins it', async () => {
    const store = new Store(5);
    const persister = new Persister(store, dir, log);
    store.put('key-1', JSON.stringify(1), NO_TTL);
    const a = persister.flush();
    const b = persister.flush();
    expect(b).toBe(a);
    await a;
    await persister.idle();
    expect(fsWatch.calls.filter((c) => c.startsWith('rename'))).toHaveLength(1);
  });
});

describe('loadStore', () => {
  async function writeStore(shards: number, keys: number): Promise<Store> {
    const store = new Store(shards);
    for (let i = 0; i < keys; i++) store.put(`key-${i}`, JSON.stringify({ n: i }), NO_TTL);
    await new Persister(store, dir, log).flush();
    return store;
  }

  it('round-trips a store through the shard files', async () => {
    await writeStore(5, 50);
    const store = new Store(5);
    expect(await loadStore(store, dir)).toEqual({ files: 5, loaded: 50, expired: 0 });
    for (let i = 0; i < 50; i++) expect(store.get(`key-${i}`)?.value).toEqual(JSON.stringify({ n: i }));
  });

  it('places every entry by the current shard count when written with 5 and loaded with 8', async () => {
    await writeStore(5, 50);
    const store = new Store(8);
    await loadStore(store, dir);
    expect(store.stats().keys).toBe(50);
    const reference = new Store(8);
    for (let i = 0; i < 50; i++) reference.put(`key-${i}`, JSON.stringify(i), NO_TTL);
    expect(store.stats()).toEqual(reference.stats());
  });

  it('removes shard-5 … shard-7 on the first flush after a store written with 8 shards loads with 5', async () => {
    await writeStore(8, 50);
    expect(await shardFiles()).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map(shardFileName));
    const store = new Store(5);
    await loadStore(store, dir);
    expect(store.shards.every((s) => s.dirty)).toBe(true);
    expect(await new Persister(store, dir, log).flush()).toBe(true);
    expect(await shardFiles()).toEqual([0, 1, 2, 3, 4].map(shardFileName));

    const again = new Store(5);
    expect(await loadStore(again, dir)).toMatchObject({ files: 5, loaded: 50 });
  });

  it('drops expired entries', async () => {
    const store = new Store(2);
    store.put('old', JSON.stringify(1), 1000, Date.now() - 5000);
    store.put('live', JSON.stringify(2), 60_000);
    await new Persister(store, dir, log).flush();
    const loaded = new Store(2);
    expect(await loadStore(loaded, dir)).toMatchObject({ loaded: 1, expired: 1 });
    expect(loaded.stats().keys).toBe(1);
  });

  it('treats a missing directory as an empty store', async () => {
    const store = new Store(3);
    expect(await loadStore(store, join(dir, 'nope'))).toEqual({ files: 0, loaded: 0, expired: 0 });
  });

  it('reads only shard-<n> files, ignoring temporary and foreign ones', async () => {
    await writeStore(2, 4);
    await writeFile(join(dir, '.shard-0.123.1.tmp'), 'torn');
    await writeFile(join(dir, 'shard-1.tmp'), 'torn');
    await writeFile(join(dir, 'notes.txt'), 'hello');
    await mkdir(join(dir, 'sub'));
    expect(await loadStore(new Store(2), dir)).toMatchObject({ loaded: 4 });
  });

  it('refuses to load a corrupted file and names it', async () => {
    await writeStore(5, 20);
    const path = join(dir, 'shard-2');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"n":', '"N":'));
    await expect(loadStore(new Store(5), dir)).rejects.toThrow(`${path}: MD5 mismatch`);

    const json = '{"k":';
    await writeFile(path, `${json}\n${md5Hex(json)}`);
    await expect(loadStore(new Store(5), dir)).rejects.toThrow(`${path}: bad JSON`);
  });
});
