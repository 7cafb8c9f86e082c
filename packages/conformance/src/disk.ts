import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/** The spec's shard of a key: CRC-32 (IEEE) of its UTF-8 bytes, unsigned, modulo the shard count. */
export function shardOf(key: string, shards: number): number {
  return crc32(Buffer.from(key, 'utf8')) % shards;
}

/** Expected per-shard counts for a set of keys, as /stats reports them. */
export function shardCounts(keys: Iterable<string>, shards: number): number[] {
  const counts = new Array<number>(shards).fill(0);
  for (const key of keys) counts[shardOf(key, shards)]!++;
  return counts;
}

export interface StoredEntry {
  value: unknown;
  timestamp: number;
  ttl: number;
}

export interface ShardFile {
  index: number;
  file: string;
  entries: Record<string, StoredEntry>;
}

export const SHARD_FILE = /^shard-(\d+)$/;

/**
 * Reads one shard file and checks it against the disk format, throwing a message that says exactly which rule
 * the file breaks: compact JSON, `\n`, 32 lowercase hex MD5 of the JSON bytes, nothing after; entries of
 * `{value, timestamp, ttl}` with integer timestamp and ttl (-1 or > 0).
 */
export function parseShardFile(bytes: Buffer, file: string): Record<string, StoredEntry> {
  const newline = bytes.lastIndexOf(0x0a);
  if (newline === -1) throw new Error(`${file}: no "\\n" between the JSON and the MD5`);
  const json = bytes.subarray(0, newline);
  const hash = bytes.subarray(newline + 1).toString('latin1');
  if (!/^[0-9a-f]{32}$/.test(hash)) {
    throw new Error(`${file}: expected 32 lowercase hex characters and nothing else after the last "\\n", found ${JSON.stringify(hash.slice(0, 80))}`);
  }
  const md5 = createHash('md5').update(json).digest('hex');
  if (md5 !== hash) throw new Error(`${file}: stored MD5 ${hash} but the JSON bytes hash to ${md5}`);
  const text = json.toString('utf8');
  const loose = whitespaceOutsideStrings(text);
  if (loose !== -1)
    throw new Error(`${file}: the JSON is not compact (whitespace at byte ${loose}: ${JSON.stringify(text.slice(Math.max(0, loose - 20), loose + 20))})`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: the JSON does not parse: ${(error as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${file}: the JSON is not an object`);
  for (const [key, entry] of Object.entries(doc)) {
    const problem = entryProblem(entry);
    if (problem) throw new Error(`${file}: entry ${JSON.stringify(key)} ${problem}: ${JSON.stringify(entry)}`);
  }
  return doc as Record<string, StoredEntry>;
}

function entryProblem(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'is not an object';
  const fields = Object.keys(entry).sort().join(',');
  if (fields !== 'timestamp,ttl,value') return `has fields {${fields}}, expected exactly {value, timestamp, ttl}`;
  const { timestamp, ttl } = entry as StoredEntry;
  if (!Number.isInteger(timestamp) || timestamp <= 0) return 'has a timestamp that is not a positive integer of ms';
  if (!Number.isInteger(ttl) || (ttl !== -1 && ttl <= 0)) return 'has a ttl that is neither -1 nor a positive integer of ms';
  return null;
}

/** Offset of the first whitespace character outside a JSON string, or -1. */
function whitespaceOutsideStrings(text: string): number {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ' ' || c === '\n' || c === '\r' || c === '\t') return i;
  }
  return -1;
}

/** Every file in a data directory, sorted; an absent directory has none. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Every `shard-<i>` file of a directory, parsed and checked; other files are the caller's business. */
export async function readShards(dir: string): Promise<ShardFile[]> {
  const shards: ShardFile[] = [];
  for (const name of await listDir(dir)) {
    const match = SHARD_FILE.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    shards.push({ index: Number(match[1]), file, entries: parseShardFile(await readFile(file), file) });
  }
  return shards.sort((a, b) => a.index - b.index);
}

/** All entries of a directory by key, checking that no key is stored twice. */
export async function readStore(dir: string): Promise<Map<string, StoredEntry & { shard: number }>> {
  const store = new Map<string, StoredEntry & { shard: number }>();
  for (const shard of await readShards(dir)) {
    for (const [key, entry] of Object.entries(shard.entries)) {
      const before = store.get(key);
      if (before) throw new Error(`key ${JSON.stringify(key)} is stored in both shard-${before.shard} and shard-${shard.index} of ${dir}`);
      store.set(key, { ...entry, shard: shard.index });
    }
  }
  return store;
}

/** Writes a shard file in the spec's format (for corrupted-store cases and for seeding a store by hand). */
export function encodeShardFile(entries: Record<string, StoredEntry>): Buffer {
  const json = Buffer.from(JSON.stringify(entries), 'utf8');
  return Buffer.concat([json, Buffer.from(`\n${createHash('md5').update(json).digest('hex')}`, 'latin1')]);
}
