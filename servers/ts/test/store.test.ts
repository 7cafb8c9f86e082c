import { describe, expect, it } from 'vitest';

import { shardIndex } from '../src/hash.js';
import { Entry, findLoneSurrogate, isExpired, loneSurrogateIn, MAX_VALUE_DEPTH, nestedDeeperThan, NO_TTL, Store, ttlSecondsToMs } from '../src/store.js';

const T0 = 1_700_000_000_000;

describe('Store', () => {
  it('puts each key in the shard its CRC-32 picks', () => {
    const store = new Store(5);
    store.put('key-1', JSON.stringify(1), NO_TTL, T0);
    expect(store.shards[3]!.entries.get('key-1')?.value).toBe(JSON.stringify(1));
    expect(store.stats()).toEqual({ keys: 1, shards: [0, 0, 0, 1, 0] });
  });

  it('returns what was put, any JSON value included null', () => {
    const store = new Store(3);
    for (const value of [null, 0, 'x', [1, { a: null }], { nested: true }]) {
      store.put('k', JSON.stringify(value), NO_TTL, T0);
      expect(store.get('k', T0)?.value).toEqual(JSON.stringify(value));
    }
  });

  it('never returns an expired entry, even before the sweep removes it', () => {
    const store = new Store(2);
    store.put('k', JSON.stringify('v'), 1000, T0);
    expect(store.get('k', T0 + 1000)?.value).toBe(JSON.stringify('v'));
    expect(store.get('k', T0 + 1001)).toBeUndefined();
    // Still held (and counted by /stats) until the sweep.
    expect(store.stats().keys).toBe(1);
  });

  it('keeps entries without a ttl forever', () => {
    const store = new Store(1);
    store.put('k', JSON.stringify('v'), NO_TTL, T0);
    expect(store.get('k', T0 + 1e12)?.value).toBe(JSON.stringify('v'));
  });

  it('sweeps expired entries and marks only the shards that lost one dirty', () => {
    const store = new Store(5);
    store.put('key-1', JSON.stringify(1), 500, T0); // shard 3
    store.put('key-42', JSON.stringify(2), NO_TTL, T0); // shard 4
    for (const s of store.shards) s.dirty = false;
    expect(store.sweep(T0 + 400)).toBe(0);
    expect(store.shards.some((s) => s.dirty)).toBe(false);
    expect(store.sweep(T0 + 501)).toBe(1);
    expect(store.stats()).toEqual({ keys: 1, shards: [0, 0, 0, 0, 1] });
    expect(store.shards.map((s) => s.dirty)).toEqual([false, false, false, true, false]);
  });

  it('marks a shard dirty when a value is overwritten by one of the same size (the blog missed that)', () => {
    const store = new Store(5);
    store.put('key-1', JSON.stringify('aaaa'), NO_TTL, T0);
    store.shards[3]!.dirty = false;
    store.put('key-1', JSON.stringify('bbbb'), NO_TTL, T0);
    expect(store.shards[3]!.entries.size).toBe(1);
    expect(store.shards[3]!.dirty).toBe(true);
  });

  it('marks a shard dirty on a delete that removed something, and only then', () => {
    const store = new Store(5);
    store.put('key-1', JSON.stringify(1), NO_TTL, T0);
    store.shards[3]!.dirty = false;
    expect(store.delete('absent-key')).toBe(false);
    expect(store.shards.some((s) => s.dirty)).toBe(false);
    expect(store.delete('key-1')).toBe(true);
    expect(store.shards[3]!.dirty).toBe(true);
    expect(store.get('key-1', T0)).toBeUndefined();
  });

  it('keeps the later write when restoring the same key twice', () => {
    const store = new Store(2);
    store.restore('k', new Entry(JSON.stringify('new'), T0 + 5, NO_TTL));
    store.restore('k', new Entry(JSON.stringify('old'), T0, NO_TTL));
    expect(store.get('k', T0)?.value).toBe(JSON.stringify('new'));
  });

  it('holds "__proto__" like any other key', () => {
    const store = new Store(4);
    store.put('__proto__', JSON.stringify({ a: 1 }), NO_TTL, T0);
    expect(store.get('__proto__', T0)?.value).toEqual(JSON.stringify({ a: 1 }));
    expect(store.shards[shardIndex('__proto__', 4)]!.entries.has('__proto__')).toBe(true);
  });

  it('refuses a shard count below 1', () => {
    expect(() => new Store(0)).toThrow(RangeError);
  });
});

describe('isExpired', () => {
  it('is true only with a positive ttl and more than ttl ms since the write', () => {
    expect(isExpired(new Entry(JSON.stringify(1), T0, NO_TTL), T0 + 1e9)).toBe(false);
    expect(isExpired(new Entry(JSON.stringify(1), T0, 10), T0 + 10)).toBe(false);
    expect(isExpired(new Entry(JSON.stringify(1), T0, 10), T0 + 11)).toBe(true);
  });
});

describe('ttlSecondsToMs', () => {
  it('converts seconds to whole milliseconds', () => {
    expect(ttlSecondsToMs(1.5)).toBe(1500);
    expect(ttlSecondsToMs(0.25)).toBe(250);
    expect(ttlSecondsToMs(1.1)).toBe(1100);
  });

  it('never rounds a positive ttl down to 0, which would mean "no expiry"', () => {
    expect(ttlSecondsToMs(0.0001)).toBe(1);
  });

  it('caps a huge ttl at 2^53 - 1 ms instead of overflowing to Infinity', () => {
    expect(ttlSecondsToMs(1e300)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('nestedDeeperThan', () => {
  const nest = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

  it('counts each array or object as one level, scalars as none', () => {
    expect(nestedDeeperThan(17, 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
    expect(nestedDeeperThan([], 0)).toBe(true);
    expect(nestedDeeperThan([], 1)).toBe(false);
    expect(nestedDeeperThan({ a: [1] }, 1)).toBe(true);
    expect(nestedDeeperThan({ a: [1] }, 2)).toBe(false);
  });

  it(`allows ${MAX_VALUE_DEPTH} levels, finds ${MAX_VALUE_DEPTH + 1}, and stops early in 100 000`, () => {
    expect(nestedDeeperThan(nest(MAX_VALUE_DEPTH), MAX_VALUE_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nest(MAX_VALUE_DEPTH + 1), MAX_VALUE_DEPTH)).toBe(true);
    expect(nestedDeeperThan(nest(100_000), MAX_VALUE_DEPTH)).toBe(true);
  });

  it('keeps every allowed value serializable, which is why the limit exists', () => {
    expect(() => JSON.stringify(nest(MAX_VALUE_DEPTH))).not.toThrow();
  });
});

describe('findLoneSurrogate', () => {
  it('finds a lone high or low surrogate in any string or member name, as its escape', () => {
    expect(findLoneSurrogate('\ud800')).toBe('\\ud800');
    expect(findLoneSurrogate('a\udc00b')).toBe('\\udc00');
    expect(findLoneSurrogate({ a: [1, { b: 'x\ud800' }] })).toBe('\\ud800');
    expect(findLoneSurrogate({ a: { '\udfff': 1 } })).toBe('\\udfff');
    expect(findLoneSurrogate('\ud800\ud800\udc00')).toBe('\\ud800');
    expect(findLoneSurrogate('\ude00\ud83d')).toBe('\\ude00');
  });

  it('passes surrogate pairs and everything that is not a string', () => {
    for (const value of ['😀', '\ud83d\ude00', { '🔑': ['🎉 x'] }, null, 17, true, [], {}, 'plain']) {
      expect(findLoneSurrogate(value)).toBeUndefined();
    }
    expect(loneSurrogateIn('ok 😀')).toBeUndefined();
  });
});
