//! The in-memory store: a fixed array of shards, each a `HashMap` behind its own
//! read-write lock, as in the blog's design.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// `ttl` value meaning "never expires".
pub const NO_TTL: i64 = -1;

/// Largest ttl we keep, in ms: 2^53 - 1, so every server (JavaScript included)
/// reads back exactly the number we write.
pub const MAX_TTL_MS: i64 = (1 << 53) - 1;

/// One stored value. Serializes to exactly the on-disk entry shape
/// `{"value": V, "timestamp": MS, "ttl": MS}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// Compact JSON text, kept as text: a GET copies it into the response and a
    /// flush copies it into the shard file, so it is never parsed twice.
    pub value: Box<RawValue>,
    /// Ms since the Unix epoch when the entry was written.
    pub timestamp: i64,
    /// Ms to live, or [`NO_TTL`].
    pub ttl: i64,
}

impl Entry {
    pub fn is_expired(&self, now: i64) -> bool {
        self.ttl > 0 && now - self.timestamp > self.ttl
    }
}

/// What one lock protects.
#[derive(Debug, Default)]
pub struct ShardData {
    pub entries: HashMap<Box<str>, Entry>,
    /// Bumped by every change (put, delete that removed, sweep that removed).
    /// Persistence remembers the generation it last wrote, so a same-size
    /// change is still flushed (the blog compared sizes and lost such writes).
    pub generation: u64,
}

#[derive(Debug)]
pub struct Store {
    shards: Box<[RwLock<ShardData>]>,
}

/// Shard of `key`: CRC-32 (IEEE) of its UTF-8 bytes modulo the shard count.
pub fn shard_index(key: &str, shard_count: usize) -> usize {
    crc32fast::hash(key.as_bytes()) as usize % shard_count
}

/// Ms since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Converts a request ttl in seconds (already checked finite and > 0) to ms:
/// to the nearest ms, as every server does (1.1 s is 1100.0000000000002 ms in
/// floating point, which rounding up would make 1101), but never down to 0,
/// which would mean "no expiry".
pub fn ttl_ms_from_secs(secs: f64) -> i64 {
    ((secs * 1000.0).round() as i64).clamp(1, MAX_TTL_MS)
}

impl Store {
    pub fn new(shard_count: usize) -> Self {
        assert!(shard_count > 0, "a store needs at least one shard");
        Self {
            shards: (0..shard_count).map(|_| RwLock::default()).collect(),
        }
    }

    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    // A panic while a lock is held cannot leave a HashMap half-updated in a way
    // that matters here, so poisoning is ignored rather than spread to every
    // later request.
    pub fn read_shard(&self, index: usize) -> RwLockReadGuard<'_, ShardData> {
        self.shards[index]
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub fn write_shard(&self, index: usize) -> RwLockWriteGuard<'_, ShardData> {
        self.shards[index]
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub fn put(&self, key: &str, entry: Entry) {
        let mut shard = self.write_shard(shard_index(key, self.shards.len()));
        // Overwrites are the common case under load (few distinct keys): reuse
        // the existing key allocation instead of boxing the key again.
        match shard.entries.get_mut(key) {
            Some(slot) => *slot = entry,
            None => {
                shard.entries.insert(key.into(), entry);
            }
        }
        shard.generation += 1;
    }

    /// Runs `f` on the live value of `key` under the shard's read lock, so the
    /// caller can copy it out without cloning the entry first.
    pub fn get_with<R>(&self, key: &str, now: i64, f: impl FnOnce(&RawValue) -> R) -> Option<R> {
        let shard = self.read_shard(shard_index(key, self.shards.len()));
        shard
            .entries
            .get(key)
            .filter(|e| !e.is_expired(now))
            .map(|e| f(&e.value))
    }

    /// Removes `key`; returns whether it was there.
    pub fn delete(&self, key: &str) -> bool {
        let mut shard = self.write_shard(shard_index(key, self.shards.len()));
        let removed = shard.entries.remove(key).is_some();
        if removed {
            shard.generation += 1;
        }
        removed
    }

    /// Drops expired entries from every shard; returns how many went.
    pub fn sweep(&self, now: i64) -> usize {
        let mut total = 0;
        for index in 0..self.shards.len() {
            // Most sweeps find nothing: look under the read lock first so
            // writers are not stalled by a sweep that changes nothing.
            if !self
                .read_shard(index)
                .entries
                .values()
                .any(|e| e.is_expired(now))
            {
                continue;
            }
            let mut shard = self.write_shard(index);
            let before = shard.entries.len();
            shard.entries.retain(|_, e| !e.is_expired(now));
            let removed = before - shard.entries.len();
            if removed > 0 {
                shard.generation += 1;
                total += removed;
            }
        }
        total
    }

    /// Entries held per shard, expired-but-unswept ones included.
    pub fn shard_sizes(&self) -> Vec<usize> {
        (0..self.shards.len())
            .map(|i| self.read_shard(i).entries.len())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    fn entry(json: &str, timestamp: i64, ttl: i64) -> Entry {
        Entry {
            value: raw(json),
            timestamp,
            ttl,
        }
    }

    fn get(store: &Store, key: &str, now: i64) -> Option<String> {
        store.get_with(key, now, |v| v.get().to_owned())
    }

    #[test]
    fn shard_placement_is_crc32_ieee_mod_count() {
        // CRC-32/IEEE check value: crc32("123456789") = 0xCBF43926.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        // crc32("key-1") = 0x0EECBF7A = 250396538 (cross-checked with Python's
        // zlib.crc32); 250396538 % 5 = 3 and % 8 = 2.
        assert_eq!(crc32fast::hash(b"key-1"), 250_396_538);
        assert_eq!(shard_index("key-1", 5), 3);
        assert_eq!(shard_index("key-1", 8), 2);
        assert_eq!(shard_index("anything", 1), 0);
    }

    #[test]
    fn put_get_delete() {
        let store = Store::new(5);
        store.put("a", entry("{\"x\":[1,null]}", 1_000, NO_TTL));
        assert_eq!(get(&store, "a", 2_000).as_deref(), Some("{\"x\":[1,null]}"));
        store.put("a", entry("null", 1_000, NO_TTL));
        assert_eq!(get(&store, "a", 2_000).as_deref(), Some("null"));
        assert!(store.delete("a"));
        assert!(!store.delete("a"));
        assert_eq!(get(&store, "a", 2_000), None);
    }

    #[test]
    fn expired_entries_are_never_returned_even_before_the_sweep() {
        let store = Store::new(3);
        store.put("k", entry("1", 10_000, 1_500));
        assert_eq!(
            get(&store, "k", 11_500).as_deref(),
            Some("1"),
            "at exactly ttl it is still live"
        );
        assert_eq!(get(&store, "k", 11_501), None, "past ttl it is gone");
        // Still held (stats count it) until the sweep runs.
        assert_eq!(store.shard_sizes().iter().sum::<usize>(), 1);
        assert_eq!(store.sweep(11_501), 1);
        assert_eq!(store.shard_sizes().iter().sum::<usize>(), 0);
    }

    #[test]
    fn no_ttl_never_expires() {
        let store = Store::new(1);
        store.put("k", entry("true", 0, NO_TTL));
        assert_eq!(get(&store, "k", i64::MAX / 2).as_deref(), Some("true"));
        assert_eq!(store.sweep(i64::MAX / 2), 0);
    }

    #[test]
    fn every_change_bumps_the_generation_but_no_ops_do_not() {
        let store = Store::new(1);
        let generation = |s: &Store| s.read_shard(0).generation;
        store.put("k", entry("1", 0, NO_TTL));
        let g1 = generation(&store);
        // Same key, same-size value: the blog's size check missed exactly this.
        store.put("k", entry("2", 0, NO_TTL));
        assert!(generation(&store) > g1);
        let g2 = generation(&store);
        assert!(!store.delete("missing"));
        assert_eq!(store.sweep(1), 0);
        assert_eq!(generation(&store), g2, "nothing changed");
        assert!(store.delete("k"));
        assert!(generation(&store) > g2);
    }

    #[test]
    fn ttl_conversion_rounds_to_nearest_and_clamps() {
        assert_eq!(ttl_ms_from_secs(1.5), 1_500);
        // 1.1 * 1000.0 is 1100.0000000000002: rounding up would store 1101.
        assert_eq!(ttl_ms_from_secs(1.1), 1_100);
        assert_eq!(ttl_ms_from_secs(3600.0004), 3_600_000);
        assert_eq!(ttl_ms_from_secs(3600.0006), 3_600_001);
        assert_eq!(
            ttl_ms_from_secs(0.000_1),
            1,
            "a tiny ttl must not become 0 (= no expiry)"
        );
        assert_eq!(ttl_ms_from_secs(1e300), MAX_TTL_MS);
    }
}
