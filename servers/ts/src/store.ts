// The in-memory store: a fixed array of shards, each a Map with a dirty flag.
//
// Node runs all JavaScript on one event loop, so a request handler, the sweep and the flush's serialization of a
// shard never interleave: each runs to completion before the next callback starts. That is why no shard has a lock
// here (the Go and Rust servers need their read-write locks because their handlers run on many threads at once).
import { shardIndex } from './hash.js';

/** `ttl` value meaning "never expires", as on disk. */
export const NO_TTL = -1;

/**
 * A stored entry. A class, not object literals, so V8 keeps one hidden class for every entry. The value is kept as
 * its compact JSON text, as the Go and Rust servers keep its bytes: GET and the flush copy it, never serialize it.
 */
export class Entry {
  constructor(
    /** The value as compact JSON text. */
    public value: string,
    /** ms since the Unix epoch, at write */
    public timestamp: number,
    /** ms, or NO_TTL */
    public ttl: number,
  ) {}
}

/** Expired when it has a ttl and more than ttl ms have passed since it was written. */
export function isExpired(entry: Entry, now: number): boolean {
  return entry.ttl > 0 && now - entry.timestamp > entry.ttl;
}

/**
 * A request's ttl (seconds, finite, > 0) as the store keeps it: whole milliseconds, because the disk format is read
 * by Go and Rust into integers. Rounded, but never down to 0 (0 would mean "no expiry"), and capped at 2^53 - 1 so
 * a ttl of 1e300 seconds stays a number rather than overflowing to Infinity (which JSON cannot hold).
 */
export function ttlSecondsToMs(seconds: number): number {
  const ms = Math.round(seconds * 1000);
  if (ms < 1) return 1;
  return Math.min(ms, Number.MAX_SAFE_INTEGER);
}

/**
 * The deepest nesting of arrays and objects a value may have. JSON.parse takes any depth, but JSON.stringify
 * recurses and throws a RangeError past a few thousand levels, and every value is stringified once into the text the
 * store keeps (at POST and at load). 512 is far below where that happens and far above what a real value needs.
 */
export const MAX_VALUE_DEPTH = 512;

/**
 * True if `value` nests arrays and objects more than `limit` levels deep: a scalar is depth 0, `[1]` and `{}` depth
 * 1, `[[1]]` depth 2. Recurses at most `limit` + 1 times.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestedDeeperThan(item, limit - 1)) return true;
    return false;
  }
  for (const key in value) if (nestedDeeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

/**
 * The first lone UTF-16 surrogate in `value`'s strings and member names, as the escape that wrote it (`\ud800`), or
 * undefined if every string is well-formed Unicode. JSON.parse turns `"\ud800"` into such a string, but it is not
 * Unicode: JSON.stringify writes it back as an escape that the Go and Rust servers' readers refuse, so a store holding
 * one would not load there. Recurses once per level: call it on a value known to be at most MAX_VALUE_DEPTH deep.
 */
export function findLoneSurrogate(value: unknown): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : loneSurrogateIn(value);
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findLoneSurrogate(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key in value) {
    if (!key.isWellFormed()) return loneSurrogateIn(key);
    const found = findLoneSurrogate((value as Record<string, unknown>)[key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The first unpaired surrogate of a string that is not well-formed, as a `\uXXXX` escape. */
export function loneSurrogateIn(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1); // NaN past the end
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return `\\u${unit.toString(16)}`;
  }
  return undefined;
}

export class Shard {
  readonly entries = new Map<string, Entry>();
  /**
   * Set by every change (put, delete, sweep), cleared when the flush takes its snapshot. A flag rather than the
   * blog's size comparison: overwriting a value with one of the same size changes the shard without changing its size.
   */
  dirty = false;
}

export interface Stats {
  keys: number;
  shards: number[];
}

export class Store {
  readonly shards: readonly Shard[];

  constructor(readonly shardCount: number) {
    if (!Number.isInteger(shardCount) || shardCount < 1) {
      throw new RangeError(`shard count must be >= 1, got ${shardCount}`);
    }
    this.shards = Array.from({ length: shardCount }, () => new Shard());
  }

  shardOf(key: string): Shard {
    return this.shards[shardIndex(key, this.shardCount)]!;
  }

  /** Stores `value` (compact JSON text) under `key`; `ttlMs` is NO_TTL or a positive number of ms. */
  put(key: string, value: string, ttlMs: number, now: number = Date.now()): void {
    const shard = this.shardOf(key);
    const existing = shard.entries.get(key);
    if (existing === undefined) {
      shard.entries.set(key, new Entry(value, now, ttlMs));
    } else {
      // Overwrite in place: no new object, and the flush only ever serializes synchronously, so it never sees a
      // half-updated entry.
      existing.value = value;
      existing.timestamp = now;
      existing.ttl = ttlMs;
    }
    shard.dirty = true;
  }

  /** The live entry for `key`; an expired one is never returned, even before the sweep removes it. */
  get(key: string, now: number = Date.now()): Entry | undefined {
    const entry = this.shardOf(key).entries.get(key);
    return entry === undefined || isExpired(entry, now) ? undefined : entry;
  }

  /** Removes `key`; true if it was held (expired or not). */
  delete(key: string): boolean {
    const shard = this.shardOf(key);
    if (!shard.entries.delete(key)) return false;
    shard.dirty = true;
    return true;
  }

  /** Removes every expired entry; returns how many went. Only shards that lost an entry become dirty. */
  sweep(now: number = Date.now()): number {
    let removed = 0;
    for (const shard of this.shards) {
      const before = removed;
      for (const [key, entry] of shard.entries) {
        // Deleting the current key while iterating a Map is safe: iteration continues with the next one.
        if (isExpired(entry, now)) {
          shard.entries.delete(key);
          removed++;
        }
      }
      if (removed !== before) shard.dirty = true;
    }
    return removed;
  }

  /**
   * Places an entry read from disk. If two files held the same key (a directory left by a crash between two
   * layouts) the later write wins. Does not mark anything dirty: the loader marks every shard once it is done.
   */
  restore(key: string, entry: Entry): void {
    const shard = this.shardOf(key);
    const existing = shard.entries.get(key);
    if (existing === undefined || existing.timestamp <= entry.timestamp) shard.entries.set(key, entry);
  }

  markAllDirty(): void {
    for (const shard of this.shards) shard.dirty = true;
  }

  /** Entries held now, expired ones not yet swept included (as the spec's /stats asks). */
  stats(): Stats {
    const shards = this.shards.map((s) => s.entries.size);
    let keys = 0;
    for (const n of shards) keys += n;
    return { keys, shards };
  }
}
