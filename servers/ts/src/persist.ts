// The shard files on disk: their format, the atomic write, the periodic flush and the load at start.
//
// Format (shared by every server): shard i is `<directory>/shard-<i>`, holding the shard as one compact JSON object
// `{"<key>":{"value":V,"timestamp":MS,"ttl":MS},...}`, then "\n", then the MD5 of those JSON bytes as 32 lowercase
// hex characters, and nothing after.
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import { md5Hex } from './hash.js';
import { describeError, type Logger } from './log.js';
import { Entry, isExpired, MAX_VALUE_DEPTH, nestedDeeperThan, type Shard, type Store } from './store.js';
import { memberText } from './json-text.js';

/**
 * The names `--load` reads and the first flush prunes; anything else in the directory (our own dot-named temporary
 * files included) is left alone.
 */
const SHARD_FILE = /^shard-(0|[1-9][0-9]*)$/;
const MD5_HEX = /^[0-9a-f]{32}$/;

/** How many shard files are written at once: libuv's default thread pool has 4 threads, more only queue there. */
const WRITE_CONCURRENCY = 4;

export function shardFileName(index: number): string {
  return `shard-${index}`;
}

/** A shard file that must stop the start: its message names the file. */
export class ShardFileError extends Error {
  override name = 'ShardFileError';
}

/**
 * Past this many UTF-16 units a chunk is closed and a new one started. V8 caps a string at 2^29 - 24 units (about
 * 512 MiB of JSON), so a shard encoded as one string could never be flushed; chunks of 16 Mi units keep any shard
 * writable while costing one extra write call per 16 MiB.
 */
const CHUNK_UNITS = 16 * 1024 * 1024;

/**
 * The file contents for a shard, as chunks to be written in order (their concatenation is the file). Built by hand
 * rather than through an intermediate object: a key such as "__proto__" would be swallowed by a plain object, and
 * this skips one copy of the whole shard. Synchronous, so the chunks are an exact snapshot of the shard.
 */
export function encodeShard(entries: ReadonlyMap<string, Entry>): string[] {
  const chunks: string[] = [];
  const hash = createHash('md5');
  let json = '{';
  let first = true;
  for (const [key, e] of entries) {
    if (json.length >= CHUNK_UNITS) {
      hash.update(json);
      chunks.push(json);
      json = '';
    }
    if (!first) json += ',';
    first = false;
    json += `${JSON.stringify(key)}:{"value":${e.value},"timestamp":${e.timestamp},"ttl":${e.ttl}}`;
  }
  json += '}';
  // Keys go through JSON.stringify, which escapes lone surrogates, and a value's text was decoded from UTF-8 (a POST
  // body or a shard file), which cannot hold one, so every chunk is well-formed and hashes as the bytes written.
  hash.update(json);
  chunks.push(`${json}\n${hash.digest('hex')}`);
  return chunks;
}

/** Parses a shard file, checking its MD5 first; `name` is what errors call the file. */
export function decodeShard(name: string, data: Buffer): Array<[string, Entry]> {
  const nl = data.lastIndexOf(0x0a);
  if (nl === -1) throw new ShardFileError(`${name}: not a shard file (no newline before the MD5)`);
  const json = data.subarray(0, nl);
  const stated = data.subarray(nl + 1).toString('latin1');
  if (!MD5_HEX.test(stated)) {
    throw new ShardFileError(`${name}: not a shard file (the last line is not 32 lowercase hex characters)`);
  }
  const actual = md5Hex(json);
  if (actual !== stated) {
    throw new ShardFileError(`${name}: MD5 mismatch (file says ${stated}, contents hash to ${actual})`);
  }

  const out: Array<[string, Entry]> = [];
  for (const [key, raw, text] of entries(name, json)) {
    if (
      typeof raw !== 'object' ||
      raw === null ||
      Array.isArray(raw) ||
      !Object.hasOwn(raw, 'value') ||
      !Number.isFinite((raw as { timestamp?: unknown }).timestamp) ||
      !Number.isFinite((raw as { ttl?: unknown }).ttl)
    ) {
      throw new ShardFileError(`${name}: bad entry ${JSON.stringify(key)}: expected {"value": V, "timestamp": number, "ttl": number}`);
    }
    const fields = raw as { value: unknown; timestamp: number; ttl: number };
    if (nestedDeeperThan(fields.value, MAX_VALUE_DEPTH)) {
      // Another server may accept deeper values; this one could not serve or flush them (see MAX_VALUE_DEPTH).
      throw new ShardFileError(`${name}: the value of ${JSON.stringify(key)} is nested more than ${MAX_VALUE_DEPTH} levels deep`);
    }
    // The value's own text, as the server that wrote the file spelled it (compacted): it reads back byte for byte.
    out.push([key, new Entry(memberText(text, 'value')!, fields.timestamp, fields.ttl)]);
  }
  return out;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Buffer, at: number): number {
  while (isJsonSpace(bytes[at])) at++;
  return at;
}

/**
 * Where the JSON value starting at `at` ends, found by its brackets and string quotes alone: its content is left to
 * JSON.parse. UTF-8 continuation bytes are all >= 0x80, so they never look like a quote or a bracket.
 */
function valueEnd(bytes: Buffer, at: number): number {
  let depth = 0;
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === QUOTE) {
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      if (depth === 0) return i + 1;
    } else if (byte === 0x7b || byte === 0x5b) {
      depth++;
    } else if (byte === 0x7d || byte === 0x5d) {
      if (depth === 0) return i; // a scalar's end: the bracket of the object around it
      if (--depth === 0) return i + 1;
    } else if (depth === 0 && (byte === 0x2c || byte === 0x3a || isJsonSpace(byte))) {
      return i;
    }
  }
  return bytes.length;
}

/**
 * The entries of the shard's top-level JSON object, each key and entry parsed on its own (and the entry's text kept). One JSON.parse of the
 * whole file would need it as one string, and V8 caps a string at ~512 MiB: a shard any server can write would then
 * not load here. The entries (each under the 1 MiB a request may carry) are parsed one by one instead, so the file
 * is bounded only by the Buffer readFile gives (2 GiB).
 */
function* entries(name: string, bytes: Buffer): Generator<[key: string, entry: unknown, text: string]> {
  const fail = (at: number, what: string): never => {
    throw new ShardFileError(`${name}: bad JSON at byte ${at}: ${what}`);
  };
  const parse = (from: number, text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (err) {
      return fail(from, (err as Error).message);
    }
  };
  let at = skipSpace(bytes, 0);
  if (bytes[at] !== 0x7b) fail(at, 'expected an object of entries');
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === 0x7d) {
    at = skipSpace(bytes, at + 1);
  } else {
    for (;;) {
      if (bytes[at] !== QUOTE) fail(at, 'expected a key');
      const keyEnd = valueEnd(bytes, at);
      const key = parse(at, bytes.toString('utf8', at, keyEnd)) as string;
      at = skipSpace(bytes, keyEnd);
      if (bytes[at] !== 0x3a) fail(at, 'expected ":" after a key');
      at = skipSpace(bytes, at + 1);
      const entryEnd = valueEnd(bytes, at);
      const text = bytes.toString('utf8', at, entryEnd);
      yield [key, parse(at, text), text];
      at = skipSpace(bytes, entryEnd);
      if (bytes[at] === 0x2c) {
        at = skipSpace(bytes, at + 1);
      } else if (bytes[at] === 0x7d) {
        at = skipSpace(bytes, at + 1);
        break;
      } else {
        fail(at, 'expected "," or "}" after an entry');
      }
    }
  }
  if (at !== bytes.length) fail(at, 'more after the object of entries');
}

let tmpSeq = 0;

/**
 * Replaces `dir/name` with `data` so that a crash at any point leaves either the old file or the new one, never a
 * torn one: write a temporary file in the same directory (same filesystem, so rename is atomic), fsync it so its
 * bytes are on disk before the name points at them, then rename over the old name. The temporary name starts with
 * a dot so that a leftover one never matches `shard-*` and is never loaded.
 */
export async function writeFileAtomic(dir: string, name: string, data: string | readonly string[]): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.${++tmpSeq}.tmp`);
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      for (const chunk of typeof data === 'string' ? [data] : data) await fh.writeFile(chunk, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Creates `dir` if need be and proves it can hold a new file, so that a directory no flush could write to
 * (read-only, wrong owner) refuses the start instead of acknowledging writes that are never persisted. The probe is
 * dot-named like a temporary file and removed at once. Throws a one-line error naming the directory.
 */
export async function checkWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new Error(`directory ${dir}: ${describeError(err)}`);
  }
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    await (await open(probe, 'w')).close();
  } catch (err) {
    throw new Error(`directory ${dir} is not writable: ${describeError(err)}`);
  }
  await unlink(probe);
}

/** fsync a directory so the renames in it survive a power cut, not just a crash. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes changed shards to disk. One instance per store and directory. */
export class Persister {
  private running: Promise<boolean> | null = null;
  /**
   * Prune `shard-N` files with N >= the shard count on the next successful flush, so the directory never mixes two
   * layouts (spec: after a load; done after any start, since an unloaded directory can hold another layout too).
   */
  private pruneStale = true;

  constructor(
    private readonly store: Store,
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  /** Resolves once no flush is in progress. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  /**
   * Writes every dirty shard; resolves true if everything was written. The periodic timer calls this and skips a
   * tick while a flush is still running; the final flush waits for it and then flushes whatever is left.
   */
  flush(): Promise<boolean> {
    if (this.running !== null) return this.running;
    const run = this.flushOnce()
      // Every expected failure is logged and retried inside; this only keeps a bug from becoming an unhandled
      // rejection (which would kill the process) in the timer that calls us.
      .catch((err: unknown) => {
        this.log(`flush: ${describeError(err)}`);
        return false;
      })
      .finally(() => {
        this.running = null;
      });
    this.running = run;
    return run;
  }

  private async flushOnce(): Promise<boolean> {
    const shards = this.store.shards;
    let next = 0;
    let failures = 0;
    let written = 0;
    const worker = async (): Promise<void> => {
      while (next < shards.length) {
        const index = next++;
        const shard = shards[index]!;
        if (!shard.dirty) continue;
        if (await this.writeShard(index, shard)) written++;
        else failures++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, shards.length) }, worker));

    // Prune only once the new layout is completely on disk, so a failure in between leaves a loadable directory.
    if (failures === 0 && this.pruneStale) {
      try {
        written += await this.removeStaleFiles();
        this.pruneStale = false;
      } catch (err) {
        failures++;
        this.log(`flush: pruning stale shard files: ${describeError(err)}`);
      }
    }
    if (written > 0) {
      try {
        await syncDirectory(this.dir);
      } catch (err) {
        failures++;
        this.log(`flush: fsync directory: ${describeError(err)}`);
      }
    }
    return failures === 0;
  }

  private async writeShard(index: number, shard: Shard): Promise<boolean> {
    // The snapshot: cleared and serialized in one synchronous step, so a change made while the file is being
    // written sets the flag again and is caught by the next flush. Encoding is inside the try: whatever fails
    // (the disk, or the encoding itself) leaves the shard dirty, to be retried.
    shard.dirty = false;
    try {
      await writeFileAtomic(this.dir, shardFileName(index), encodeShard(shard.entries));
      return true;
    } catch (err) {
      shard.dirty = true;
      this.log(`flush ${shardFileName(index)}: ${describeError(err)}`);
      return false;
    }
  }

  private async removeStaleFiles(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.dir)) {
      const m = SHARD_FILE.exec(name);
      if (m !== null && Number(m[1]) >= this.store.shardCount) {
        await unlink(join(this.dir, name));
        removed++;
      }
    }
    return removed;
  }
}

export interface LoadResult {
  files: number;
  loaded: number;
  expired: number;
}

/**
 * Reads every `shard-<n>` file in `dir` into `store`, whatever shard count wrote them: each entry is placed by the
 * store's own count. Expired entries are dropped. A missing directory is an empty store. Throws (naming the file)
 * on an unreadable file, an MD5 mismatch or bad JSON. Afterwards every shard is dirty, so the first flush rewrites
 * the directory in the current layout.
 */
export async function loadStore(store: Store, dir: string, now: number = Date.now()): Promise<LoadResult> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, loaded: 0, expired: 0 };
    throw new ShardFileError(`${dir}: ${describeError(err)}`);
  }
  const result: LoadResult = { files: 0, loaded: 0, expired: 0 };
  for (const name of names.filter((n) => SHARD_FILE.test(n)).sort()) {
    const path = join(dir, name);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      throw new ShardFileError(`${path}: ${describeError(err)}`);
    }
    result.files++;
    for (const [key, entry] of decodeShard(path, data)) {
      if (isExpired(entry, now)) {
        result.expired++;
        continue;
      }
      store.restore(key, entry);
      result.loaded++;
    }
  }
  store.markAllDirty();
  return result;
}
