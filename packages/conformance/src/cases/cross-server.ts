import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { FAST_TIMERS } from '../case.js';
import { expectError, expectMissing, expectStatus, expectValue, put, show, stats } from '../check.js';
import { listDir, readStore, SHARD_FILE, type StoredEntry } from '../disk.js';
import type { ServerUnderTest } from '../server-under-test.js';
import { sleep } from '../http.js';
import { eventually } from '../wait.js';
import { MAX_VALUE_DEPTH, nested, SAMPLE_VALUES } from './values.js';

/** A store one server wrote and stopped cleanly: where it is and what a reader must find there. */
export interface WrittenStore {
  writer: string;
  dir: string;
  /** Every key the writer holds, with its value. */
  values: Map<string, unknown>;
  /** Keys written and then deleted, or expired: a reader must not find them. */
  gone: string[];
  /** The writer's entries as it put them on disk. */
  onDisk: Map<string, StoredEntry>;
}

const KEYS = ['plain', 'a/b', 'with space', 'ключ', '🔑 emoji', 'q?x=1&y#z', '100%', 'nul\u0000', '.', '..', 'x'.repeat(1000)];

/** Writes every sample value under a variety of keys, overwrites, deletes and ttls, then stops cleanly. */
export async function writeReferenceStore(sut: ServerUnderTest): Promise<WrittenStore> {
  const values = new Map<string, unknown>();
  await sut.start({ flushInterval: 60_000, cleanupInterval: 60_000 });
  for (const [i, [, value]] of SAMPLE_VALUES.entries()) {
    const key = `${KEYS[i % KEYS.length]}-${i}`;
    await put(sut, key, value, i % 3 === 0 ? 3600 : undefined);
    values.set(key, value);
  }
  for (const key of KEYS.slice(0, 5)) {
    await put(sut, key, 'first');
    await put(sut, key, { second: key });
    values.set(key, { second: key });
  }
  const gone = ['deleted', 'expired'];
  await put(sut, 'deleted', 1);
  expectStatus(await sut.delete('deleted'), 204, 'DELETE');
  await put(sut, 'expired', 1, 0.05);
  await sleep(300); // surely expired by the time any reader loads it
  await sut.stopCleanly();
  const onDisk = await readStore(sut.dataDir);
  for (const key of values.keys()) assert.ok(onDisk.has(key), `${sut.name} did not write ${JSON.stringify(key)} to disk on SIGTERM`);
  return { writer: sut.name, dir: sut.dataDir, values, gone, onDisk: new Map([...onDisk].map(([k, { shard: _, ...e }]) => [k, e])) };
}

/** Loads another server's store: every GET as the writer would answer it, and entries rewritten unchanged. */
export async function readWrittenStore(reader: ServerUnderTest, store: WrittenStore): Promise<void> {
  const from = `a store written by ${store.writer}`;
  await cp(store.dir, reader.dataDir, { recursive: true });
  await reader.start({ load: true, ...FAST_TIMERS });
  for (const [key, value] of store.values) await expectValue(reader, key, value, `${reader.name} GET ${JSON.stringify(key).slice(0, 60)} from ${from}`);
  for (const key of store.gone) await expectMissing(reader, key, `${reader.name} GET ${key} from ${from}`);
  const { keys } = await stats(reader);
  assert.equal(keys, store.values.size, `${reader.name} /stats right after loading ${from} (expired entries are dropped on load)`);

  const rewritten = await eventually(3_000, async () => (await listDir(reader.dataDir)).filter((f) => SHARD_FILE.test(f)).length === 5);
  assert.ok(rewritten, `${reader.name} did not rewrite all 5 shards after loading ${from}`);
  await reader.stopCleanly();
  const after = await readStore(reader.dataDir);
  for (const [key, entry] of store.onDisk) {
    if (store.gone.includes(key)) continue;
    const { shard: _, ...mine } = after.get(key) ?? { shard: -1 };
    assert.deepStrictEqual(mine, entry, `${reader.name} rewrote ${JSON.stringify(key).slice(0, 60)} from ${from} with another value, timestamp or ttl`);
  }
}

/**
 * A write at the edge of what JSON parsers take. The spec refuses the ones no strict reader could load back (nesting
 * past 512 levels, lone surrogates) or would read alike (duplicate members), and takes the rest; whatever a server
 * accepts, every server must be able to load.
 */
interface EdgeWrite {
  label: string;
  body: string;
  /** The spec's answer: 201 or 400. */
  expect: 'accept' | 'refuse';
  /** The key, when a path can address it (a lone surrogate cannot be percent-encoded). */
  key?: string;
  /** The value a GET must return, as JSON text (parsed to compare). */
  value?: string;
}

const nestedText = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const mixedText = (levels: number) => JSON.stringify(nested(levels));

export const EDGE_WRITES: EdgeWrite[] = [
  {
    label: `a value nested ${MAX_VALUE_DEPTH} levels deep`,
    expect: 'accept',
    body: `{"key":"deep-512","value":${nestedText(MAX_VALUE_DEPTH)}}`,
    key: 'deep-512',
    value: nestedText(MAX_VALUE_DEPTH),
  },
  {
    label: `a value nested ${MAX_VALUE_DEPTH} levels deep, objects and arrays`,
    expect: 'accept',
    body: `{"key":"mixed-512","value":${mixedText(MAX_VALUE_DEPTH)}}`,
    key: 'mixed-512',
    value: mixedText(MAX_VALUE_DEPTH),
  },
  {
    label: 'surrogate pairs written as escapes, in the key and a nested string',
    expect: 'accept',
    body: '{"key":"pair-\\ud83d\\ude00","value":{"a":["x \\ud83d\\ude00"]}}',
    key: 'pair-😀',
    value: '{"a":["x 😀"]}',
  },
  { label: `a value nested ${MAX_VALUE_DEPTH + 1} levels deep`, expect: 'refuse', body: `{"key":"deep-513","value":${nestedText(MAX_VALUE_DEPTH + 1)}}` },
  {
    label: `a value nested ${MAX_VALUE_DEPTH + 1} levels deep, objects and arrays`,
    expect: 'refuse',
    body: `{"key":"mixed-513","value":${mixedText(MAX_VALUE_DEPTH + 1)}}`,
  },
  { label: 'a value nested 1000 levels deep', expect: 'refuse', body: `{"key":"deep-1000","value":${nestedText(1000)}}` },
  { label: 'a value nested 100 000 levels deep', expect: 'refuse', body: `{"key":"deep-100000","value":${nestedText(100_000)}}` },
  { label: 'a key with a lone high surrogate escape', expect: 'refuse', body: '{"key":"lone-\\ud800","value":1}' },
  { label: 'a key with a lone low surrogate escape', expect: 'refuse', body: '{"key":"lone-\\udc00","value":1}' },
  { label: 'a lone high surrogate escape in a nested string', expect: 'refuse', body: '{"key":"lone-value-high","value":{"a":["x\\ud800"]}}' },
  { label: 'a lone low surrogate escape in a nested member name', expect: 'refuse', body: '{"key":"lone-value-low","value":{"a":{"\\udc00":1}}}' },
  { label: 'duplicate "key" members', expect: 'refuse', body: '{"key":"dup-a","key":"dup-b","value":1}' },
];

export interface EdgeStore {
  writer: string;
  dir: string;
  /** What the writer answered 201 to. */
  accepted: EdgeWrite[];
}

/**
 * Offers every edge write to a server, checks it refuses what the spec refuses (400, JSON error) and accepts what
 * the spec accepts, and stops it cleanly with what it accepted on disk.
 */
export async function writeEdgeStore(sut: ServerUnderTest): Promise<EdgeStore> {
  await sut.start({ flushInterval: 60_000 });
  const accepted: EdgeWrite[] = [];
  const wrong: string[] = [];
  for (const edge of EDGE_WRITES) {
    const res = await sut.post(edge.body);
    if (edge.expect === 'refuse') {
      try {
        expectError(res, 400, `${edge.label}`);
      } catch (error) {
        wrong.push((error as Error).message.split('\n')[0]!);
      }
    } else if (res.status !== 201) {
      wrong.push(`${edge.label}: expected status 201, got ${show(res)}`);
    }
    if (res.status === 201) accepted.push(edge);
  }
  await sut.stopCleanly();
  assert.ok(wrong.length === 0, `${sut.name} answers POSTs of edge values against the spec:\n  ${wrong.join('\n  ')}`);
  return { writer: sut.name, dir: sut.dataDir, accepted };
}

/** "A directory written by any server loads in every other server", for the values the writer accepted. */
export async function readEdgeStore(reader: ServerUnderTest, store: EdgeStore): Promise<void> {
  const what = `${store.writer} accepted ${store.accepted.map((e) => e.label).join('; ') || 'none of the edge writes'}`;
  await cp(store.dir, reader.dataDir, { recursive: true });
  try {
    await reader.start({ load: true });
  } catch (error) {
    assert.fail(`${reader.name} cannot load a store written by ${store.writer} (${what}): ${(error as Error).message}`);
  }
  assert.equal((await stats(reader)).keys, store.accepted.length, `${reader.name} /stats after loading a store in which ${what}`);
  for (const edge of store.accepted) {
    if (!edge.key) continue;
    const what = `${reader.name} GET ${JSON.stringify(edge.key)} (${store.writer} accepted ${edge.label})`;
    const res = await reader.get(edge.key);
    expectStatus(res, 200, what);
    // Compared parsed, not as text: one server writes "\ud83d\ude00" back as escapes, another as the character.
    // Every value here is at most 512 levels deep, well within what a structural comparison recurses through.
    assert.deepStrictEqual(JSON.parse(res.text), { value: JSON.parse(edge.value!) }, `${what}: another value than ${store.writer} stored`);
  }
  await reader.stopCleanly();
}
